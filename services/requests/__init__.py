"""Tracked requests (phản ánh, góp ý, khiếu nại): reference codes, status, owner, staff replies."""
