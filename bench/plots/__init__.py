"""Pictures: the paper's dataset figures (`dataset`, `bench data figures`) and a run's results
(`results`, `bench plots`)."""
