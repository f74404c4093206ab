"""What Acacia sends out: the monthly update (:mod:`monthly_update`), alerts
(:mod:`alerts`), posting to Slack (:mod:`slack_post`) and the public directory of
organizations (:mod:`directory`).

May import: :mod:`pipelines.storage`, :mod:`connectors.core`.
"""
