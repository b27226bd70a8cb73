"""The service directory: treatment and counselling providers per province and commune."""
