"""reports models come with their issue; the app exists so the layout of DESIGN.md §2 holds."""
