"""What drives the staff tool for a campaign: the runner and its workers, pacing, the browser (Chromium, kept traces,
masked screenshots) and the staff-tool session; and the other walks through the tool: reconciling in-doubt sends,
follow-up of read statuses, the approval check and the selector doctor."""
