"""What a ballot of each format accepts. Pure: no framework imports."""
