"""Push notifications to the engineers' phones through Firebase Cloud Messaging: the
devices they register, what is pushed when (assignment, reschedule, cancellation, parts
ready), and the background jobs that send it with retries."""
