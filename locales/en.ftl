# forklab's interface in English. Every key here must exist in zh.ftl (a unit test checks it).
# Message ids are kebab-case; arguments are { $name }.

## Errors a user can meet
unknown-lesson = unknown lesson `{ $id }`; the lessons are: { $ids }
not-linux = this lab runs real Linux processes and needs Linux (fork, epoll, /proc)
no-lessons-in = no lessons in `{ $dir }`; expected `*.md` lesson files
reading-lessons-from = reading lessons from `{ $dir }`
reading-lesson = reading lesson `{ $path }`
not-a-regular-file = `{ $path }` is not a regular file; expected a lesson file
translation-without-lesson = { $file }: no lesson has the id `{ $id }`; a translation needs its English lesson
translation-drifts = { $file } does not run as { $english } does: { $why }
drift-field = its { $field } is { $translated }, the English lesson's { $english }
drift-step = step { $step } (line { $line }) has `{ $translated }` where the English lesson has `{ $english }`
