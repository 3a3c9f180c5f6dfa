"""The HTTP service of 有据 youju: API, citizen widget and staff console (``youju serve``)."""
