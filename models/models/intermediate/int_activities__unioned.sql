-- Every source's activities in one vocabulary (the sources are the registered ones:
-- connectors/registry.py). A view: the activities mart is the one materialization of
-- ten million rows, and its tests check this layer's contract.
select * from {{ ref('stg_landing__activities') }}
