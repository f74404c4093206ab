{#
  The marts' materialization on DuckDB: one statement, `create or replace table ... as`,
  in the model's transaction. dbt-duckdb's `table` builds a temporary table, renames the
  old one aside, renames the new one in, looks for foreign keys, indexes, grants and
  docs, and drops the old one: about ten statements and much template work a model,
  0.1–0.2 s of every model of every build, which a mart never needs (the warehouse has
  no foreign keys, indexes or grants; the dashboard reads published snapshots, never the
  warehouse while it builds). The Python models and Spark keep `table`.
#}
{% materialization replaced_table, adapter='duckdb' %}
  {%- set existing = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {%- if existing is not none and not existing.is_table %}
    {{ drop_relation_if_exists(existing) }}
  {%- endif %}
  {% call statement('main') -%}
    create or replace table {{ target_relation }} as (
      {{ sql }}
    )
  {%- endcall %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
