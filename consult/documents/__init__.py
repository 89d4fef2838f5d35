"""One neutral document model; importers turn files into it, exporters render it."""
