"""Large plans on screen: the read-model cache keyed by the data's version (`cache`), and
filters by team and owner with pagination (`filters`) for the dashboard, the KR list and the
API's lists."""
