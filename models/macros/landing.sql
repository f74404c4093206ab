{#
  The landed files of one source and table, or an empty relation with the same columns
  when nothing is landed yet (a new source, a fresh install), so the models always build.
  The column list is the record contract of connectors/records.py.
#}
{% macro landing_columns(table) %}
  {% if table == 'activities' %}
    {{ return([
      ('source', 'varchar'), ('activity_id', 'varchar'), ('type', 'varchar'),
      ('occurred_at', 'timestamptz'), ('actor', 'varchar'), ('channel', 'varchar'),
      ('url', 'varchar'), ('title', 'varchar'), ('thread_id', 'varchar'),
      ('parent_id', 'varchar'), ('body', 'varchar'), ('extra', 'varchar'),
      ('fetched_at', 'timestamptz'), ('run_id', 'varchar')]) }}
  {% else %}
    {{ return([
      ('source', 'varchar'), ('source_user_id', 'varchar'), ('username', 'varchar'),
      ('display_name', 'varchar'), ('email', 'varchar'), ('company', 'varchar'),
      ('location', 'varchar'), ('timezone', 'varchar'), ('is_bot', 'boolean'), ('is_deleted', 'boolean'),
      ('is_staff', 'boolean'),
      ('profile_url', 'varchar'), ('avatar_url', 'varchar'), ('has_profile', 'boolean'), ('extra', 'varchar'),
      ('fetched_at', 'timestamptz'), ('run_id', 'varchar')]) }}
  {% endif %}
{% endmacro %}

{% macro landed(source_name, table) %}
  {%- set pattern = var('landing_path') ~ '/' ~ source_name ~ '/' ~ table ~ '/*.parquet' -%}
  {%- set columns = landing_columns(table) -%}
  {%- set found = 0 -%}
  {%- if execute -%}
    {%- set found = run_query("select count(*) from glob('" ~ pattern | replace("'", "''") ~ "')").columns[0].values()[0] -%}
  {%- endif -%}
  {%- if found > 0 -%}
    (select {% for name, type in columns %}cast({{ name }} as {{ type }}) as {{ name }}{% if not loop.last %}, {% endif %}{% endfor %}
     from read_parquet('{{ pattern | replace("'", "''") }}', union_by_name = true))
  {%- else -%}
    (select {% for name, type in columns %}cast(null as {{ type }}) as {{ name }}{% if not loop.last %}, {% endif %}{% endfor %}
     where false)
  {%- endif -%}
{% endmacro %}
