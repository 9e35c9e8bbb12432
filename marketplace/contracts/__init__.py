"""Technology contracts and their registration (认定登记)."""
