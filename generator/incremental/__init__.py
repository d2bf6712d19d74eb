"""What a build keeps of earlier builds, so that the next one redoes only what changed.

`memory` (none, on disk, resident) is the pipeline's collaborator; `compiler` compiles or
reuses each explainer's `units`; `dependencies` turns each output's declared reads into its
fingerprint; `edit` is the one-explainer shortcut; `cache`, `summary`, `views`, `quotes`,
`stamps`, `template_cache` and `userkey` are what is stored, and how it is sealed.
"""
