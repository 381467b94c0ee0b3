"""The plan pages: overview (home, lists, detail, compare), the editor, and review
(screening, appraisal, committee decision, workflow actions)."""
