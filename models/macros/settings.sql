{#
  What a build runs with: the as-of day, the build's batch number, the registered sources
  and activity types, the weights and the scoring settings. The pipeline passes them as
  dbt vars (pipelines/build/settings.py, build_settings) to a dbt that runs in its
  process over a manifest parsed once, so new vars every night cost no parse;
  dbt_project.yml's vars hold the same keys with defaults for parsing.
#}
{% macro setting(name) %}
  {%- if execute and var('batch') == 0 -%}
    {{ exceptions.raise_compiler_error("The build settings are missing: build through acacia (acacia rebuild), which passes every setting.") }}
  {%- endif -%}
  {{ return(var(name)) }}
{% endmacro %}

{#
  The registered sources (connectors/core/registry.py), in the order their profiles are
  preferred: the build setting acacia_sources.
#}
{% macro acacia_sources() %}
  {%- set names = setting('acacia_sources') -%}
  {%- if execute and names | length == 0 -%}
    {{ exceptions.raise_compiler_error("acacia_sources is not set: build through acacia (acacia rebuild), which passes the registered sources") }}
  {%- endif -%}
  {{ return(names) }}
{% endmacro %}
