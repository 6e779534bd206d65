"""Series a page or report computes from the events when it is shown, not stored by sync.

- `north_star`: the dashboard's North Star, week by week;
- `months`: a monthly KR (MAU, monthly churn) month by month — it has no weekly values, and
  its weekly check-ins only repeat the latest whole month's reading.

Both end where the data's watermark ends and are cached per process, keyed by the event
store's modification time (`source.store_stamp`), so a reload costs nothing until new events
arrive. Neither ever fails a page: a failure is logged and the series is empty.
"""
