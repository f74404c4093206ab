{#
  Every value of the column is one the registry knows (connectors/core/registry.py, passed by
  the pipeline as the build setting `setting_name`): a source, or an activity type.
#}
{% test in_registry(model, column_name, setting_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in ({{ sql_list(setting(setting_name)) }})
{% endtest %}
