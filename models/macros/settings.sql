{#
  What a build runs with: the as-of day, the build's batch number, the registered sources
  and activity types, the weights and the scoring settings. The pipeline passes them in
  the environment, as JSON in ACACIA_BUILD (pipelines/defs/models.py, build_settings),
  and they are read only while a model runs; dbt_project.yml's vars hold the same keys
  with defaults for parsing. They are not passed as --vars: dbt parses the whole project
  again whenever --vars change (about 3 s), and the as-of day changes every night.
#}
{% macro setting(name) %}
  {%- if not execute -%}
    {{ return(var(name)) }}
  {%- endif -%}
  {%- set settings = fromjson(env_var('ACACIA_BUILD', '{}')) -%}
  {%- if name not in settings -%}
    {{ exceptions.raise_compiler_error("The build setting " ~ name ~ " is missing: build through acacia (acacia rebuild), which passes every setting in ACACIA_BUILD.") }}
  {%- endif -%}
  {{ return(settings[name]) }}
{% endmacro %}

{#
  The registered sources (connectors/registry.py), in the order their profiles are
  preferred: the build setting acacia_sources.
#}
{% macro acacia_sources() %}
  {%- set names = setting('acacia_sources') -%}
  {%- if execute and names | length == 0 -%}
    {{ exceptions.raise_compiler_error("acacia_sources is not set: build through acacia (acacia rebuild), which passes the registered sources") }}
  {%- endif -%}
  {{ return(names) }}
{% endmacro %}
