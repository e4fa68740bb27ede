"""The data contracts every layer shares: the dataset, its parts and the known indicators."""
