"""The catalog service: what Codeflix offers, its administration, uploads of masters, browsing."""
