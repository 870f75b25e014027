"""The town itself: its settings (name, logo, colours, served as /town.css) and its legal pages.

Layer: above ``accounts`` (staff permissions), below ``processes``; the admin screens that edit
these live in ``civic.admin``.
"""
