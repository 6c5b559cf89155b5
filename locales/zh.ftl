# forklab 的中文界面。en.ftl 的每个键都必须在这里有对应条目（单元测试会检查）。
# 消息 id 用 kebab-case；参数写作 { $name }。

## 用户可能遇到的错误
unknown-lesson = 没有名为 `{ $id }` 的课程；现有课程：{ $ids }
not-linux = 本实验运行真实的 Linux 进程，需要 Linux（fork、epoll、/proc）
