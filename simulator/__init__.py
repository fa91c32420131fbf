"""GP practice simulator: many practices' FHIR servers in one process (docs/simulator.md)."""
