"""What a job cost the engineer beyond their time: travel (distance from the GPS track
or entered by hand, at the mileage rate), tolls, parking and other outlays, each with
an optional receipt photo, shown to managers per work order and per engineer."""
