"""Messages composed from stored data and sent to a user: the monthly recap, the year draft."""
