"""Branch protection: protected branches stay protected, and pushes that bypass protection are reported."""
