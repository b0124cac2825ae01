"""Stage 6: result folders, plan tables, summary, manifest and GIS layers."""
