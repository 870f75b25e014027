"""The analysis review's states and their moves. Pure: no framework imports."""
