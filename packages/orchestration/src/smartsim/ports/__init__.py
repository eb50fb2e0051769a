"""Small abstract interfaces between the driver's use-cases and the outside world."""
