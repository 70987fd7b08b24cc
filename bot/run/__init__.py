"""Run machinery: the runner, its workers, pacing, the browser and the staff-tool session."""
