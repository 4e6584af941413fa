"""Links the customer opens without an account: the signed, single-use rating link sent
when a visit is resolved (`/r/<token>`), and the "where is my technician" link sent when
the engineer sets off (`/t/<token>`); the messages that carry them, and the automatic
close of orders whose customer never answers."""
