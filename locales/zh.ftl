# forklab 的中文界面。en.ftl 的每个键都必须在这里有对应条目（单元测试会检查）。
# 消息 id 用 kebab-case；参数写作 { $name }。

## 用户可能遇到的错误
unknown-lesson = 没有名为 `{ $id }` 的课程；现有课程：{ $ids }
not-linux = 本实验运行真实的 Linux 进程，需要 Linux（fork、epoll、/proc）
no-lessons-in = `{ $dir }` 中没有课程；应为 `*.md` 课程文件
reading-lessons-from = 读取 `{ $dir }` 中的课程
reading-lesson = 读取课程 `{ $path }`
not-a-regular-file = `{ $path }` 不是普通文件；应为课程文件
translation-without-lesson = { $file }：没有 id 为 `{ $id }` 的课程；译文需要对应的英文课程
translation-drifts = { $file } 的运行方式与 { $english } 不同：{ $why }
drift-field = 其 { $field } 为 { $translated }，英文课程为 { $english }
drift-step = 第 { $step } 步（第 { $line } 行）写的是 `{ $translated }`，英文课程写的是 `{ $english }`
