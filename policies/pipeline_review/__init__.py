"""Pipeline review: changes to pipeline files need an independent approval."""
