# forklab's interface in English. Every key here must exist in zh.ftl (a unit test checks it).
# Message ids are kebab-case; arguments are { $name }.

## Errors a user can meet
unknown-lesson = unknown lesson `{ $id }`; the lessons are: { $ids }
not-linux = this lab runs real Linux processes and needs Linux (fork, epoll, /proc)
