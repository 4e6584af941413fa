"""Where engineers have been: the GPS pings their phones send in batches, the last
known position they keep fresh for the map and the dispatcher, and the day's track."""
