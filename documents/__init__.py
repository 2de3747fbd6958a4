"""Official documents drawn from the log: the minutes of a meeting, a resolution, a
cell's minutes book (PDF) and an organisation's report (XLSX and PDF), each stating the
log position and chain hash it was drawn from, and the check that a file still matches."""
