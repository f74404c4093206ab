"""Resources: the validated configuration, and each source's secret from the environment."""

from dagster import ConfigurableResource

from connectors.core.config import AcaciaConfig, load_config


class AcaciaResource(ConfigurableResource):
    """The acacia.yml this code location was loaded with."""

    config_path: str

    def load(self) -> AcaciaConfig:
        return load_config(self.config_path)


class SourceCredentials(ConfigurableResource):
    """A source's secret (token or API key), given as ``EnvVar(<its *_env key>)``, and a
    client id for sources that have one (Reddit)."""

    token: str = ""
    client_id: str = ""
