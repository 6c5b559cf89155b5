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
drift-step-ends = 再无内容

## Keys: what each key does (help, key bar)
action-quit = 退出
action-leave = 回到课程列表，或退出
action-help = 本帮助
action-close = 关闭
action-choose = 选择
action-open = 打开
action-next = 下一步（第一次会运行它）
action-back = 上一步（只重读，不重新运行）
action-focus = 在讲解与面板之间切换焦点
action-scroll = 滚动当前面板，或选择一个进程
action-page = 翻页：讲解与“发生了什么”，或放大的面板
action-zoom = 把当前面板放大到全屏，再按一次恢复
action-unzoom = 退出放大
action-freeze = 冻结画面（进程照常运行），再按一次解冻
action-signal-menu = 给选中的进程发送信号
action-menu-move = 选择信号
action-send-signal = 发送该信号
action-fire = 向进程池发起 1、10 或 100 个连接
action-fire-again = 再发起同样多的连接
action-workers = 增加或减少一个工作进程
action-next-mode = 下一种 accept 模式（会重启进程池）
action-predict = 预测
action-run-without-guess = 不预测，直接运行
action-restart = 实验结束后：在这一步重新开始一个实验

## Help and the signal menu
signal-menu-title = 向 { $target } 发送信号
signal-menu-footer = Enter 发送，Esc 取消
help-title = 按键
help-colours-1 = 已退出的进程带着退出状态保留 10 秒：exit 0 显示为暗色，
help-colours-2 = 被信号或错误结束的显示为红色。新进程显示 3 秒绿色。
help-colours-3 = 计数来自工作进程自己的报告。

## The picker and the lesson screen
too-small = forklab 需要至少 80x24 的终端
too-small-this-one = 当前终端为 { $width }x{ $height }：请放大，或用 `forklab play <lesson>` 运行课程
too-small-this-lesson = 当前终端为 { $width }x{ $height }：请放大，或不用界面运行这一课：`forklab play { $id }`
too-small-quit = 按 q 或 Ctrl-C 退出
picker-tagline = 用真实的进程学习多进程服务器：选一课
picker-title = 课程
picker-needs-node = 需要 node：{ $how }
key-choose = 选择
key-open = 打开
key-help = 帮助
key-quit = 退出
key-fresh-lab = 重新开始
key-back = 返回
key-keys = 按键
key-predict = 预测
key-run-without-guess = 不预测直接运行
key-next = 下一步
key-fire = 发起连接
key-again = 再来
key-page = 翻页
key-signal = 信号
key-focus = 焦点
key-workers = 工作进程
key-mode = 模式
key-zoom = 放大
key-freeze = 冻结
key-sideways = 移动表格
key-unzoom = 取消放大
mark-frozen = 已冻结（按 f 解冻）
mark-autoplay = 自动播放
mark-running = （运行中…）
intro = 引言
step-of = 第 { $n }/{ $m } 步
press-to-run-first = 按 { $key } 运行第一步
step-already-ran = 这一步已经运行过：返回只是重读，进程保持现在的状态继续运行
predict-with = 用 { $keys } 作出预测，然后这一步运行并显示发生了什么 { $dot } 按 { $key } 不预测直接运行
predict-with-next = 用 { $keys } 作出预测，然后是下一个问题 { $dot } 按 { $key } 跳过这一题

## play's transcript (its --json stays English)
conn-served = 连接 { $conn } 由 { $worker } 处理，用时 { $us } µs
conn-failed = 连接 { $conn } 失败
no-choice-happened = 没有一个选项成立
summary-error = 因错误而停止：{ $error }
summary = 共 { $steps } 步，{ $passed } 个 `expect` 成立，{ $failed } 个失败
info-pool = 进程池就绪：{ $workers } 个工作进程，{ $mode } 模式，地址 http://127.0.0.1:{ $port }/
info-load = 负载运行中：共 { $connections } 个连接，每次 { $concurrency } 个；已完成 { $flowing } 个
info-failed-conns = 失败的连接：{ $list }
info-sent = { $messages } 条消息经过通道：{ $bytes } 字节，附带 { $fds } 个文件描述符
pidfile-removed = 已删除
pidfile-still-there = 仍然存在
info-daemon-stopped = 由 forklab（pid { $reaper }）回收；pidfile { $pidfile }
info-queue-handshakes = { $done } 次握手完成，{ $timed_out } 次在 300 ms 内没有应答；{ $queued } 个在 accept 队列中等待
info-queue = { $queued } 个连接在 accept 队列中等待
info-zombie = { $alias } pid { $pid } 是僵尸进程：/proc/{ $pid }/stat 中状态为 Z，它的退出状态留给父进程读取
info-terminal-made = forklab 没有终端：它现在自己领导一个新会话，带一个伪终端 { $tty }，让守护进程生来就有一个终端可以失去
info-terminal-not-made = forklab 没有终端，也没能建一个（{ $why }）：守护进程没有终端可失去
pty-group-leader = forklab 是它所在进程组的组长，而 setsid(2) 在组长里会以 EPERM 失败
info-tree = 进程树：
info-also-held-by = 同时被 { $holders } 持有

## Messages of the lesson screen
out-error = 错误：{ $error }
log-step-failed = 第 { $n } 步失败：{ $error }
msg-directive-failed = `{ $text }` 失败：{ $error }
msg-directive-done = `{ $text }` 完成
msg-lab-ended = 实验已结束：{ $error }；按 r 在这一步重新开始
log-lab-ended = 实验已结束：{ $error }
none-of-the-choices = 没有一个选项
you-predicted-it = 你预测对了
you-predicted = 你预测的是 { $choice }
msg-fresh-lab = 新的实验
msg-fresh-lab-rerun = 新的实验：第 1 到 { $n } 步重新运行
msg-frozen = 画面已冻结，进程照常运行：按 f 解冻
msg-press-to-predict = 按 a–{ $last } 作出预测，或按 → 不预测直接运行
msg-lab-has-ended = 实验已结束；按 r 重新开始，按 q 返回
msg-no-pool-yet = 进程池还没有运行：向前一步（→）启动本课的工作进程
msg-no-pool = 本课没有工作进程池，这里无法发起连接、增减进程或切换模式；`accept` 和 `cluster` 两课有进程池
msg-running = 正在运行 `{ $directive }`
msg-select-live = 请选择一个存活的工作进程或主进程来发送信号（不是 { $alias }）
msg-still-running = 这一步仍在运行
msg-lesson-complete = 本课完成：按 q 回到课程列表
msg-lesson-complete-quit = 本课完成：按 q 退出 forklab
no-tty = 课程界面需要终端（stdin 和 stdout 不是终端）；没有终端时可用 `forklab play <lesson>` 运行课程

## notes and doctor
notes-name = 讲者备注
notes-waiting = 等待课程界面：请在另一个终端运行 `forklab open { $id }`
notes-on-picker = 课程界面停在课程列表
notes-elsewhere = 课程界面显示的是 `{ $other }`；这些备注属于 `{ $id }`
notes-intro = 引言：课程尚未开始
notes-none = （这一步没有备注）
notes-next = 下一步：第 { $n } 步
notes-last = 这是最后一步
doctor-ok = ok
doctor-missing = 缺失
doctor-warning = 警告
doctor-verdict = { $failed ->
    [0] 所有必需的检查都已通过
   *[other] { $failed } 项必需的检查失败
    }

## Errors of the lab
port-in-use = 127.0.0.1 上的端口 { $port } 已被占用；用 --port 换一个，或用 --port 0 让 forklab 自己挑一个空闲端口
port-taken = 127.0.0.1 上的端口 { $port } 已被占用
lesson-port-in-use = 127.0.0.1 上的端口 { $port } 已被占用；课程要用这个端口（前置元数据 `[setup]` 下的 `port = { $port }`）：在那里换一个，或写 0 让 forklab 自己挑一个空闲端口

## More of the transcript and the screen
what-happened = 发生了什么
more-above = 上面还有，PgUp
more-below = 下面还有，PgDn
fired = 向 { $mode } 模式发起 { $fired } 个连接：{ $completed } 个完成，{ $failed } 个失败，{ $rate } 连接/秒
last-served-by = 最后由 { $worker } 处理
info-work = { $names } 完成的工作：{ $threads } 个线程（TID { $tids }）
    { $wall } 秒内 CPU 时间 { $cpu } 秒 = 占满 { $cores } 个核；各核：{ $per_core }
info-fds = { $target } 的 /proc/{ $pid }/fd：
info-node = node { $program }（sched { $sched }）位于 http://127.0.0.1:{ $port }/：主进程 pid { $primary }，{ $workers }
info-node-unscheduled = node { $program } 位于 http://127.0.0.1:{ $port }/：主进程 pid { $primary }，{ $workers }
info-syscalls-none = strace 在 pid { $pid } 上什么也没看到：{ $why }
info-syscalls = pid { $pid } 上的 strace：
starting-thread = 启动 { $name } 线程
size-does-not-fit = --size { $w }x{ $h } 放不进当前终端（{ $tw }x{ $th }）；请放大终端或换一个更小的尺寸

## The panes
pane-processes = 进程
pane-cores = CPU 核
pane-connections = 连接
pane-events = 事件
pane-ipc = 进程间通信
pane-more-above = 上面还有
pane-more-below = 下面还有
no-events-yet = 还没有事件
no-messages-yet = 还没有消息
no-processes-yet = 还没有进程
select-process-for-fds = 选择一个进程（{ $arrows }）查看它的文件描述符
no-open-fds = 没有打开的文件描述符
no-connections = 还没有接受任何连接
no-connections-yet = 还没有接受任何连接 { $dash } 按 c 发起
bars-hidden = 另有 { $n } 个计数未显示
bars-hidden-zoom = 另有 { $n } 个计数未显示 · 按 z 放大
accepted-from-any = 共接受 { $total } 个，来自任意客户端
tally = 最近一次发起 { $fired }{ $dot }完成 { $completed }{ $dot }
tally-short = 最近一次发起 { $fired }{ $dot }
tally-failed = 失败 { $failed }
tally-since = 进程池启动以来：发起 { $fired }{ $dot }完成 { $completed }{ $dot }失败 { $failed }
tally-since-short = 进程池启动以来共 { $fired }
no-samples-yet = 还没有采样
step-heading = 第 { $n }/{ $m } 步：{ $title }

## Merged from main: holding, idle, wide tables, syscalls
info-holding = 保持着 { $idle } 个空闲的 keep-alive 连接，以及 { $slow } 个回复要等 { $ms } ms 的请求
info-idle-ended = 空闲连接：{ $graceful } 个被服务器关闭（读到文件结束），{ $reset } 个被重置，{ $open } 个仍然打开
action-side = 放大的讲解：左右移动宽表格
action-syscalls = 实验进程的系统调用（strace -f），再按一次关闭
key-syscalls = 系统调用
key-syscalls-off = 关闭系统调用
table-sideways = ←/→ 左右移动表格
table-wide = 宽表格：按 z，再按 ←/→
msg-nothing-to-trace-ended = 实验已结束：没有可跟踪的进程；按 r 重新开始
msg-nothing-to-trace-yet = 还没有可跟踪的实验进程：向前一步（→）启动它们
latest = 最近
latest-of = 最近第 { $range } 个（共 { $all } 个）
latest-kept = 最近第 { $range } 个（只保留最近 { $all } 个，共发起 { $fired } 个）
latest-kept-short = 最近第 { $range } 个（保留 { $all } 个）
aside = （{ $text }）
expect-detail = { " " }（{ $detail }）
clause-sep = ；
list-sep = 、
fds-also = 同时被 { $holders } 持有
fds-also-some = 同时被 { $holders } 等 { $n } 处持有
fds-also-count = 另有 { $n } 处
fds-more-below = 下面还有 { $b } 个 { $down }
fds-more-above = { $up } 上面还有 { $a } 个
fds-above-and-below = { $up } 上面 { $a } 个，下面还有 { $b } 个 { $down }

## The glossary and the language switch
glossary-fork = 一个从头运行脚本的新 node 进程（并不复制调用者）；IPC 通道是一对 Unix socketpair，默认在子进程中是 fd 3（stdio 选项可以把它放到别的位置）。
glossary-send-handle = 句柄随一条 JSON 消息以 SCM_RIGHTS 传递：接收方得到一个新的 fd 编号，指向同一个 socket（句柄传递）。
glossary-worker-listen = 工作进程自己不开 socket：它通过 IPC 请求主进程。轮询模式下只有主进程持有监听 socket；SCHED_NONE 模式下主进程把监听 socket 本身发给工作进程。
glossary-listen = 一个监听 socket；事件循环（libuv）用 epoll 等待它。
glossary-rr = 主进程 accept 每个连接，再交给一个空闲的工作进程；陷在同步循环里的工作进程不回应，除了它还空闲时交给它的那一个，再也分不到连接。
glossary-sched-none = 每个工作进程都持有同一个监听 socket，由内核决定谁来 accept：按 Node 文档的说法分布很不均衡（epoll 下会惊群）。
glossary-reuseport = 每个进程一个 socket，共用一个端口；内核按每个连接的四元组哈希到其中一个。这个选项是 Node 20 之后才有的（nodejs/node PR 55408）：Node 20 会忽略它。
glossary-exit = 内核用 SIGCHLD 通知父进程；libuv 用 waitpid 回收子进程，得知退出码或信号。
glossary-kill = 向子进程的 PID 发送信号。
glossary-detached = libuv 在子进程中调用 setsid()：新的会话，没有控制终端（守护进程；中文资料也常把监管进程称作守护进程）。
glossary-title = 术语表：Node API → 系统调用
glossary-footer = 按 g、Esc 或 q 关闭
action-glossary = 在课程列表中：术语表，Node API → 系统调用
action-language = 在课程列表中：切换语言（English、中文）
key-glossary = 术语表
key-language = 语言
picker-language = 语言：{ $name }

## The lab's events
ev-spawned = 作为{ $role ->
        [master] 主进程
        [worker] 工作进程
        [daemon] 守护进程
        [client] 负载客户端
       *[other] { " " }{ $role }{ " " }
    }启动（ppid { $ppid }）
ev-how-opened = 自己打开
ev-how-inherited = 经 fork() 继承
ev-how-received = 经 SCM_RIGHTS 收到
ev-how-reuseport = 自己另开一个（SO_REUSEPORT）
ev-listening = 监听 127.0.0.1:{ $port }  fd { $fd } -> socket:[{ $inode }]（{ $how }）
ev-fd-passed = 经 SCM_RIGHTS 把{ $what } fd { $fd }（socket:[{ $inode }]）传给 { $to }
ev-accepted = 接受了 { $n } 个连接（共 { $total } 个）
ev-pool-ready = 进程池就绪：{ $workers } 个工作进程，{ $mode } 模式，http://127.0.0.1:{ $port }/
ev-pool-stopped = 进程池已停止
ev-stats = 统计：{ $accepted } 个连接，{ $requests } 个请求，{ $empty } 次空唤醒，{ $voluntary } 次自愿上下文切换
ev-exited-code = 退出，退出码 { $code }
ev-killed-core = 被 { $signal } 杀死（核心已转储）
ev-killed = 被 { $signal } 杀死
ev-exited = 已退出
ev-respawning-now = 立即重新拉起
ev-respawning = { $delay } ms 后重新拉起（已连续快速崩溃 { $restarts } 次）
ev-gave-up = 崩溃循环：快速重启 { $restarts } 次后放弃
ev-signaled = 收到{ $by ->
        [master] 主进程
       *[other] { " " }{ $by }{ " " }
    }发来的 { $signal }
ev-error = 错误：{ $message }
ev-crash-ordered = 被要求崩溃（{ $how }），手上有 { $open } 个打开的连接
ev-hung = { $ms } ms 没有心跳：挂死了，杀掉它
ev-round-trip = ，往返 { $us } µs
ev-message = 消息 { $from } -> { $to }：{ $what }，{ $bytes } 字节，{ $fds } 个 fd{ $rtt }
ev-handle-got = 收到一个句柄：fd { $fd } -> socket:[{ $inode }]
ev-worker-ready = 就绪：它的事件循环有了回应
ev-retiring = 被要求停止：{ $by } 已就绪，接替它
ev-rolled = 滚动重启完成：替换了 { $replaced } 个工作进程
ev-threads = { $n } 个线程，TID { $tids }
ev-work-done-one = 在一个线程上工作了 { $ms } ms
ev-work-done = 在 { $threads } 个线程上各工作了 { $ms } ms
ev-counter-shared = 共享的计数器
ev-counter-own = 它自己的那份计数器副本
ev-counter = 线程 { $tid } 看到 { $what } = { $value }
ev-cost = 测得 { $what }：{ $figures }
ev-heartbeat = 心跳
ev-took = 接下了交给它的连接
ev-pong = pong { $seq }
ev-ack = 确认 { $what }
ev-relay-out = 请主进程把一条消息转给 { $to }
ev-reaped = 再次回收：读到 { $signals } 个 SIGCHLD，waitpid 回收了 { $children } 个子进程
ev-received = 收到{ $what }：{ $bytes } 字节，{ $fds } 个 fd

## Shots and recordings
shot-step-range = 课程 `{ $id }` 共 { $steps } 步；--step 可取 0（引言）到 { $steps }
shot-size-small = --size { $w }x{ $h } 小于课程界面的最小尺寸 { $mw }x{ $mh }
stopped-by = 被 { $signal } 停止
shot-timeout = 课程没能在 { $secs } 秒内到达第 { $step } 步
shot-lab-ended = 实验在第 { $step } 步之前结束：{ $error }
cast-marker = 第 { $n } 步：{ $title }
cast-creating = 创建录像 { $path }
cast-writing = 写入录像 { $path }

## serve and play
serve-running = { $workers } 个工作进程，{ $mode } 模式，地址 http://127.0.0.1:{ $port }/（试试：curl -si http://127.0.0.1:{ $port }/ ；Ctrl-C 停止）
serve-stopping = 收到 { $signal }，正在停止进程池
master-ended = 主进程意外结束
lesson-needs-node = 课程 { $id } 需要 node：{ $how }

## list
list-untranslated = （尚未翻译）

## The lesson engine (i18n-checks): what an expect saw, a directive's errors, the lesson parser's errors
check-metric-is = { $metric } 为 { $value }{ $why }
check-metric-unknown = { $metric } 尚未测得{ $why }
check-metric-cores = { $metric } 为 { $value }；本机有 { $cores } 个核{ $why }
check-hung = { $alias } 漏了心跳，被发现卡住了
check-not-hung = { $alias } 没有因为漏掉心跳而被发现卡住
check-gave-up = { $alias } 连续 { $n } 次很快崩溃重启后，主进程放弃了它
check-not-gave-up = 主进程没有放弃 { $alias }
check-handle = 发出 socket:[{ $sent }]，收到时是 fd { $fd } -> socket:[{ $got }]
check-no-handle = 没有发送句柄
check-no-node-fork = 没有跟踪过 `node fork`
check-strace-nothing = strace 什么也没看到：{ $why }
check-scm-rights = sendmsg({ $fd }, ...) 用 SCM_RIGHTS 传递了 { $fds }
check-no-scm-rights = { $calls } 次 sendmsg() 调用，都没有附带 fd
check-no-listener-on-port = { $alias } (pid { $pid }) 没有持有这个端口的监听 socket
check-no-process = 没有进程 `{ $alias }`
check-served-last-fire = 上一次发起的连接中，{ $alias } 处理了 { $n } 个
check-field-is = { $alias } 的 { $field } 为 { $value }
check-no-fire = 还没有发起过连接
check-not-running = { $alias } 没有在运行
check-accounted = 发出 { $fired } 个，完成 { $completed } 个，失败 { $failed } 个；按回答的工作进程统计的连接合计 { $by_worker } 个；工作进程共 accept 了 { $accepted } 次
check-sticky-none = { $fired } 个连接都只承载了一个请求
check-sticky = { $fired } 个连接中有 { $kept } 个承载了多个请求，{ $each }；有 { $switched } 个收到了不止一个工作进程的回复
check-sticky-each = 每个 { $n } 个
check-sticky-range = 每个 { $fewest } 到 { $most } 个
check-not-exited = { $alias } 还没有退出
check-exited-code = { $alias } 以退出码 { $code } 退出
check-killed-by = { $alias } 被 { $signal } 杀死
check-ended = { $alias } 已结束
check-still-alive = { $alias } 仍是 pid { $pid }，还活着
check-pid-changed = { $alias } 原来是 pid { $pid }，现在不是了
check-not-running-before = { $alias } 之前没有在运行
check-served-share = { $alias } 处理了 { $completed } 个中的 { $n } 个（平均每个 { $even } 个）：{ $shares }
check-not-measured = 没有测量过 { $what }
check-no-figure = { $what } 没有数值 `{ $name }`
check-figure-is = { $figure } 为 { $value }
check-figure-times = { $figure } 为 { $value }，乘以 { $times } 为 { $scaled }
check-no-work = 没有运行过 `work`
check-cores-used = 运行 `work` 的进程用了 { $used } 个核（共 { $cores } 个）
check-cores-busy-others = 机器很忙，其间其他程序用了 { $others } 个核
check-cores-not-parallel = 它的线程没有同时在每个核上运行（其他程序用了 { $others } 个核）
check-cores-why = { $got }：{ $why }
check-why-no-cpu = 没有进程用到 CPU
check-why-cpu-time = 记入的 CPU 时间：{ $each }
check-why-short = { $each } 被告知做 `work`，记入的 CPU 时间太少，不算在内
check-why-delays = 崩溃后看到的每次启动，各自等待了：{ $delays } ms
check-why-crossed = 按接收方计数：到达 { $got } 条，携带 { $fds } 个 fd；主进程记录发给工作进程 { $sent } 条
check-why-order = 报告的顺序：{ $order }
check-why-visits = 各工作进程的计数：{ $each }；完成 { $completed } 次访问
check-why-no-visits = 没有哪个回复带有访问计数
check-why-workers = /proc 中{ $who }活着的工作子进程：{ $pids }
check-none = 无
check-rolled-early = { $successor } 就绪之前，{ $alias } 就被叫停了
check-rolled-not-clean = { $alias } 没有以退出码 0 退出
check-rolled-no-idle = 没有可供排空的空闲 keep-alive 连接
check-rolled-idle-lost = 空闲的 keep-alive 连接中，{ $reset } 个被重置，{ $open } 个仍未关闭
check-rolled-load-ended = 重启结束之前负载就已结束
check-rolled-under-load = （在负载下）
check-rolled = 替换了 { $replaced } 个工作进程{ $load }，每个都等接替者就绪后才替换；旧进程都以 0 退出；它们的 { $idle } 个空闲 keep-alive 连接以 FIN 关闭，没有一个被重置
check-no-crash-load = 没有负载跨越一次崩溃
check-lost-channel = ，另外它的通道里最多还有 { $n } 个
check-lost-only-held = 客户端的记录：失败 { $failed } 个，其中 { $elsewhere } 个之前收到过其他工作进程的回复；{ $alias } 死前持有 { $held } 个 TCP 连接{ $channel }
check-no-pidfile = 没有写出 pidfile
check-missing = { $path } 不存在
check-pidfile = { $path } 权限 { $fmode }，所在目录权限 { $dmode }，内含 pid { $pid }，flock 持有者：{ $lockers }
check-nobody = 无人
check-no-live-process = 没有活着的进程 `{ $alias }`
check-the-master = 主进程
check-the-node-master = Node 的主进程
check-fd3-stream = ；fd 3 是一个 Unix 流式 socket（`ss -x` 里的 `u_str`），它的另一端在那个进程手里
check-its-own-pid = 它自己的 pid
check-proc-fact = { $target } 的 { $field } 为 { $actual }，{ $rel } { $want }{ $named }
check-tty-none-before = ；在 `{ $step }` 之前它也没有：forklab 运行时本就没有终端，无从失去
check-tty-lost = ；在 `{ $step }` 之前它是 { $was }：它失去了控制终端
check-tty-lost-earlier = ；在 `{ $step }` 之前它也没有：它在更早的一步已经失去了 forklab 的终端（{ $tty }）
check-no-listener = 没有进程报告监听 socket
run-no-pool = 没有正在运行的进程池；要先有一个 `do: spawn`
run-throw-needs-node = `how=throw` 是 JavaScript 异常：它需要一个 Node 程序（`do: node ...`）
run-no-process-to-signal = 没有活着的进程 `{ $alias }` 可以接收信号
run-sending-signal = 向 { $alias } (pid { $pid }) 发送 { $signal }
run-counting-connections = 统计 { $alias } (pid { $pid }) 持有的 TCP 连接
run-load-ended-early = 负载还没跑起来就结束了；给 `load` 更多连接
run-no-load = 没有正在运行的负载；要先有一个 `do: load`
run-cost-runs-in = `cost { $what }` 在 { $target } 中运行
run-no-pidfile = 守护进程没有写 pidfile；要先有 `daemon pidfile`
run-reading-pidfile = 读取 pidfile `{ $path }`
run-pidfile-holds = pidfile `{ $path }` 里是 `{ $text }`
run-not-the-daemon = `{ $path }` 里的 pid { $pid } 是 `{ $comm }`，不是守护进程；不向它发送信号
run-sigterm-daemon = 向守护进程 (pid { $pid }) 发送 SIGTERM
run-daemon-did-not-end = 守护进程 (pid { $pid }) 收到 SIGTERM 后 { $secs } 秒内没有结束
run-connecting-to = 连接 { $addr }
run-connecting-idle = 建立一个空闲的 keep-alive 连接
run-reading-idle-reply = 读取空闲连接上的回复
run-reply-cut = 回复还没收完，连接就关闭了
run-drain-blocking = 阻塞模式的工作进程停在 accept() 里，不读消息；`drain` 需要事件循环模式
run-hold-blocking = 阻塞模式的工作进程一次只处理一个连接；`hold` 需要事件循环模式
run-connecting-slow = 建立一个慢请求
run-held-not-accepted = 工作进程只 accept 了持有的 { $want } 个连接中的 { $accepted } 个
run-nothing-held = 没有持有任何连接；要先有一个 `do: hold`
run-not-a-zombie = { $alias } (pid { $pid }) 的状态是 { $state }，发出信号 { $within } 后仍不是僵尸进程
facts-no-fd = 没有 fd { $fd }
facts-not-unix = 不是 Unix socket（{ $target }）
facts-not-stream = 是 Unix { $kind } socket，不是流式 socket
facts-no-peer = 一个没有对端的 Unix 流式 socket
facts-peer-outside = socket:[{ $peer }]，forklab 进程树中没有进程持有它
node-no-visit = `visit` 计数在 forklab 的工作进程里；Node 程序没有 `/visit`
node-not-running = 没有正在运行的 Node 程序；要先有一个 `do: node PROGRAM`
node-not-a-worker = `{ $target }` 不是这个 Node 程序的工作进程
node-no-live-worker = 没有活着的 Node 工作进程 `{ $target }`
node-crash-how = Node 工作进程的崩溃方式是 how=throw 或 how=exit，不是 how={ $how }
node-ended = Node 程序已结束
node-no-child = fork 之后没有子进程
node-worker-did-not-end = Node 工作进程 pid { $pid } 在 { $secs } 秒内没有结束
doc-too-large = 文件大于 256 KiB；课程最多 { $max } 字节
doc-nul-byte = 不是文本课程：文件里有空字节（NUL）
doc-not-utf8 = 不是文本课程：偏移 { $at } 处的字节不是合法的 UTF-8
doc-no-front-matter = 文件应以一行 `+++` 开头，开启 front matter，实际是 `{ $found }`
doc-empty = 文件是空的；应以一行 `+++` 开头，开启 front matter
doc-front-matter-open = 这里开启的 front matter 没有结束；其后应有一行恰好是 `+++`
doc-front-matter = front matter 中：{ $error }
doc-id-mismatch = id `{ $id }` 与文件名不符；应为 `{ $stem }`
doc-key-empty = `{ $key }` 是空的；应有文字
doc-pane-twice = 面板 `{ $pane }` 在 `panes` 中出现了两次
doc-nested = 引用块和列表嵌套了 { $depth } 层；课程最多嵌套 { $max } 层
doc-no-title = 步骤标题是空的；应为 `## 标题`
doc-too-many-steps = 步骤太多；一个课程最多有 { $max } 个 `## ` 步骤
doc-directive-before-step = 指令出现在第一个步骤之前；应放在某个 `## ` 标题之下
doc-notes-twice = 这个步骤里 `<!-- notes -->` 出现了两次；只应出现一次
doc-reveal-in-notes = `<!-- reveal -->` 出现在讲者备注里；应放在 `<!-- notes -->` 之前
doc-directive-in-notes = 指令出现在讲者备注里；应放在 `<!-- notes -->` 之前
doc-reveal-twice = 这个步骤里 `<!-- reveal -->` 出现了两次；只应出现一次
doc-fence-open = 这里开启的代码围栏 { $mark } 没有结束；应有一行 { $mark } 结束它
doc-no-steps = 课程没有步骤；至少应有一个 `## ` 标题
doc-ask-without-reveal = 步骤提了问题却没有 `<!-- reveal -->`；应在问题所需的内容和解释之间放一行 `<!-- reveal -->`
doc-reveal-without-ask = `<!-- reveal -->` 出现在没有 `ask:` 的步骤里；它只应出现在提问的步骤中
grammar-marker = `{ $word }` 是标记，不是指令
grammar-unclosed-comment = `<!--` 在同一行没有 `-->`；指令只占一行
grammar-after-comment = `-->` 之后出现了意外的 `{ $found }`；每行只应有一条指令
grammar-not-a-directive = 注释 `{ $comment }` 不是指令；应为 `<!-- do: ... -->`、`<!-- expect: ... -->`、`<!-- ask: ... -->`、`<!-- reveal -->` 或 `<!-- notes -->`
grammar-unknown-directive = 未知指令 `{ $kind }:`；应为 `do:`、`expect:`、`ask:`、`reveal` 或 `notes`
grammar-no-options = `{ $verb }` 不接受选项，却出现了 `{ $word }`；应为 { $usage }
grammar-node-no-options = `node { $program }` 不接受选项；应为 { $usage }
grammar-unknown-option = `{ $verb }` 没有选项 `{ $key }`；可用的是 { $keys }
grammar-option-twice = `{ $verb }` 中选项 `{ $key }` 出现了两次
grammar-option-no-value = 选项 `{ $key }` 没有值；应为 `{ $key }=VALUE`
grammar-wrong-arguments = 参数不对 `{ $written }`；应为 { $usage }
grammar-wrong-arguments-in = 参数不对 `{ $written }`；{ $usage }
grammar-needs-option = `{ $verb }` 需要 `{ $key }=`；应为 { $usage }
grammar-empty-do = `do:` 是空的；应为以下之一：{ $verbs }
grammar-unknown-verb = `do:` 中的未知动词 `{ $verb }`；应为以下之一：{ $verbs }
grammar-hold-nothing = `hold` 没有打开任何连接；应为 { $usage }
grammar-connection-count = 连接数
grammar-served-count = 处理数
grammar-exit-code = 退出码
grammar-worker-count = 工作进程数
grammar-invalid-busy = `busy` 的值 `{ $value }` 无效；应为 `busy=TARGET:MS`，例如 `busy=W1:1000`
grammar-unknown-crash = 未知的崩溃方式 `{ $how }`；应为以下之一：{ $names }
grammar-work-all-threads = `work all` 在每个工作进程里各跑一个线程；它不接受 `threads=`
grammar-counter-all-threads = `counter all` 每个工作进程用一份副本；它不接受 `threads=`
grammar-unknown-daemon-step = 未知的守护进程步骤 `{ $step }`；应为以下之一：{ $names }
grammar-unknown-node-program = 未知的 Node 程序 `{ $program }`；内置的有 { $programs }
grammar-unknown-sched = 未知的 `sched` 值 `{ $sched }`；应为 rr 或 none
grammar-unknown-fix = 未知的 `fix` 值 `{ $fix }`；应为 disconnect
grammar-unknown-parent-death = 未知的父进程死亡方式 `{ $how }`；应为以下之一：{ $names }
grammar-takes-nothing = `{ $word }` 后面不接任何内容；应为 `{ $word }`
grammar-usage-cost = `cost WHAT.FIGURE OP NUMBER`、`cost WHAT.FIGURE OP WHAT.FIGURE` 或 `cost WHAT.FIGURE OP WHAT.FIGURE * FACTOR`
grammar-unknown-expectation = 未知的期望 `{ $found }`；应为 { $words }、`exited TARGET ...`、`TARGET FIELD == VALUE` 或 `METRIC OP NUMBER`，METRIC 为以下之一：{ $metrics }
grammar-empty-expect = `expect:` 是空的；应为 accounted、same-inode、`exited TARGET ...` 或 `METRIC OP NUMBER`
grammar-usage-op = 应为 { $form }，OP 为以下之一：{ $ops }
grammar-usage-metric = 应为 `{ $metric } OP NUMBER`，OP 为以下之一：{ $ops }，例如 `{ $metric } <= 1`
grammar-unknown-comparison = 未知的比较符 `{ $op }`；{ $usage }
grammar-invalid-number = 无效的数字 `{ $value }`；{ $usage }
grammar-exited-both = `exited` 只接受 `signal=` 或 `code=` 之一，不能两个都给
grammar-exited-neither = `exited` 需要 `signal=` 或 `code=`；应为 { $usage }
grammar-unknown-eq = 未知的比较符 `{ $op }`；`{ $field }` 只能用 `==` 或 `!=`
grammar-usage-ask = 应为 `ask: QUESTION | CHOICE => CONDITION | CHOICE => CONDITION ...`
grammar-ask-no-question = `ask:` 没有问题；{ $usage }
grammar-choice-no-condition = 选项 `{ $choice }` 没有 `=> CONDITION`；{ $usage }
grammar-choice-no-label = 有个选项没有标签；{ $usage }
grammar-choice-twice = 选项 `{ $choice }` 出现了两次
grammar-choice-condition = 选项 `{ $choice }` 的条件中：{ $error }
grammar-ask-choices = `ask:` 有 { $n } 个选项；应为 2 到 { $max } 个，如 `ask: QUESTION | CHOICE => CONDITION | ...`
grammar-too-many-requests = `{ $verb }` 要求 { $connections } 个连接 × { $keepalive } 个请求 = { $requests } 个请求；负载客户端只有 2 分钟，最多能完成 { $max } 个
grammar-range = 应为 { $min } 到 { $max } 之间的整数
grammar-invalid-value = 无效的{ $what } `{ $value }`；{ $range }
grammar-out-of-range = { $what } `{ $value }` 超出范围；{ $range }
grammar-or-cores = { $error }，或 `cores`
grammar-unknown-mode = 未知的 accept 模式 `{ $value }`；应为以下之一：{ $names }
grammar-mode-twice = 模式 `{ $mode }` 在 `modes` 中出现了两次
grammar-unknown-handle = 未知的句柄传递方式 `{ $value }`；应为 inherit 或 pass
grammar-unknown-target = 未知的目标 `{ $value }`；应为 `master` 或某个工作进程，如 `W1`
grammar-unknown-signal = 未知的信号 `{ $value }`；应为以下之一：{ $names }（SIG 前缀可省略）
grammar-or = 或
grammar-usage-one-of = { $form }，{ $name } 为以下之一：{ $list }

## i18n-watch: watch, doctor's details, bench, serve, the master's signal reasons
watch-not-a-pid = { $pid } 不是进程 ID
watch-no-process = 没有 PID 为 { $pid } 的进程
watch-cannot-read = 无法读取进程 { $pid }：{ $error }
watch-zombie = 进程 { $pid } 已退出（是个僵尸进程，父进程还没回收它）
watch-cannot-read-fds = 无法读取进程 { $pid } 的文件描述符：{ $error }
watch-run-as-owner = 以与该进程相同的用户或 root 身份运行 forklab
watch-fds-unreadable = 无法读取 { $alias } pid { $pid } 的文件描述符：{ $error }；它的监听和连接没有显示
watch-fds-not-read = 文件描述符：无法读取：{ $error }
watch-nobody-listens = 进程 { $pid } 的进程树里没有谁监听 TCP 端口 { $port }
watch-none-readable-listens = 进程 { $pid } 的进程树里，forklab 能读取其文件描述符的进程都没有监听 TCP 端口 { $port }
watch-no-readable-listener = 进程 { $pid } 的进程树里，forklab 能读取其文件描述符的进程都没有监听 TCP 端口
watch-not-seen-unreadable = { $base }；但无法读取 { $pids } 的文件描述符（{ $error }），那里的监听 socket 看不到
watch-no-listener = 进程 { $pid } 的进程树里没有进程监听任何 TCP 端口
watch-reading-address = 读取地址 { $addr }
watch-not-loopback = 端口 { $port } 上的监听者绑定在 { $ip }，不是回环地址；forklab 只向回环地址（127.0.0.0/8、::1）发起连接
watch-exited-code = 以退出码 { $code } 退出
watch-killed-by = 被 { $signal } 杀死
watch-ended-early = `{ $command }` 在监听 { $port } 之前就{ $how }了
watch-daemonized = `{ $command }` 在监听 { $port } 之前以退出码 0 退出了，这正是转为守护进程的命令的做法（把服务器 fork 到后台后自己退出）：用 `--pid` 加守护进程的 PID 来观察它，或让命令在前台运行（nginx：-g 'daemon off;'）
watch-never-listened = `{ $command }` 在 { $secs } 秒内没有监听 { $port }
watch-tcp-port = TCP 端口 { $port }
watch-any-tcp-port = 某个 TCP 端口
watch-root-exited = 进程 { $pid } 已退出
watch-no-sockdiag = 无法打开 NETLINK_SOCK_DIAG
watch-json-needs-once = --json 需要 --once 或 --fire N：交互界面不输出 JSON
watch-pid-or-command = --pid PID 和 -- CMD 只能给一个
watch-nothing = 没有可观察的对象：给出 --pid PID，或用 -- CMD [ARGS...] 启动一个
watch-tree-of = { $pid } 的进程树（观察端口 { $port }）
watch-listens-on = 监听 { $addr }（fd { $fd }，socket:[{ $inode }]）
watch-connection = 连接 { $local } <- { $remote }（fd { $fd }，socket:[{ $inode }]）
watch-peer-in = 对端在 { $pid }
watch-peer-outside = 对端在进程树之外
watch-peer-more = 另有 { $n } 个
watch-fired = 向端口 { $port } 发起了 { $fired } 个连接：{ $served } 个已服务（{ $completed } 个已归属，{ $not_attributed } 个未归属），{ $failed } 个失败
watch-fired-some-failed = { $fired } 个连接中有 { $failed } 个失败（退出状态 3）
watch-failed-why = 失败：{ $why } { $n }
watch-not-attributed-why = 已服务、未归属：{ $why } { $n }（{ $words }）
watch-why-owner_gone = forklab 看到持有它的进程之前连接已关闭
watch-why-owner_unclear = 3 秒内没有恰好一个树内进程持有它
watch-why-not_asked = 无法通过 sock_diag 询问谁持有它
watch-needs-terminal = 观察界面需要终端（stdin 和 stdout 不是终端）；没有终端时请用 `forklab watch --once` 或 `--fire N`
watch-nothing-to-fire = 端口 { $port } 上没有可以发起连接的目标
watch-firing-failed = 发起连接失败：{ $error }
watch-exited-to-parent = { $alias } pid { $pid } 已退出（它的退出状态交给父进程 { $ppid }，不是 forklab）
watch-tree-gone = 整棵进程树都已不在
watch-tree-gone-how = 整棵进程树都已不在：{ $alias } pid { $pid } { $how }，其中没有进程留下
watch-reaped = { $alias } pid { $pid } 已被回收（父进程 { $ppid } 取走了它的退出状态）
watch-exited-to-forklab = { $alias } pid { $pid } 已退出（父进程退出后 forklab 是它的 subreaper，取走了它的退出状态）
watch-exited-orphan = { $alias } pid { $pid } 已退出（它的父进程 { $ppid } 也已退出：它的退出状态交给 init 或某个 subreaper，不是 forklab）
watch-zombie-now = { $alias } pid { $pid } 已退出：成为僵尸进程（状态 Z），直到父进程 { $ppid } 取走它的退出状态（wait(2)）
watch-to-forklab = forklab pid { $pid }（它的 subreaper：它的退出状态现在交给 forklab）
watch-reparented = { $alias } pid { $pid } 仍在运行：它的父进程 { $was } 已退出，内核把它过继给了 { $to }
watch-orphan = 孤儿
watch-socket-passed = socket:[{ $inode }] { $kind } 现在在 { $alias } pid { $pid } 的 fd { $fd }（原先在 { $from_alias } pid { $from }）：句柄传递
watch-title = 观察
watch-also-ports = 另有 { $ports }
watch-port = 端口 { $port }
watch-every = 每 { $secs } 秒
watch-fds-every = fd 每 { $secs } 秒
watch-missed = 漏掉 { $le }{ $n } 个短命进程
watch-confirm-kill = 向 { $alias } pid { $pid } 发送 SIGTERM？按 y 确认，按其他键取消
watch-firing = 正在发起 { $n } 个…
key-watch-select = 选择
key-watch-fire = 发起
key-watch-kill = 终止
key-watch-pane = 窗格
watch-select-process = 选中一个存活的进程，查看它的 fd
watch-no-fds = 没有 fd（已结束，或无权读取）
watch-more = 还有 { $n } 个
watch-fd-estab = tcp ESTAB ← { $remote }，本端 { $local }
watch-also = 同时在 { $who }
watch-established = 当前已建立：{ $n }
watch-press-c = 按 c 发起一个连接，看看由谁 accept
watch-fired-attributed = 发起 { $fired } 个：{ $attributed } 个已归属，{ $failed } 个失败
watch-fired-some-attributed = 发起 { $fired } 个：{ $served } 个已服务（{ $attributed } 个已归属），{ $failed } 个失败
watch-fired-then = { $summary }；{ $then }
watch-fired-by = { $who } { $pid }：{ $n }
watch-failed-why-words = 失败：{ $why } { $n }（{ $words }）
fire-why-refused = 没有进程接受它
fire-why-reset = 服务器重置了它
fire-why-timeout = 没有及时回复
fire-why-closed-early = 回复未完整即关闭
fire-why-bad-response = 不是 HTTP 回复
fire-why-other = 其他错误
too-small-watch = 当前终端为 { $width }x{ $height }：请放大，或用 `forklab watch --once`（一次快照）或 `--fire N`（每个连接由谁服务），它们不需要屏幕
key-watch-scroll = 滚动
watch-help-close = 按任意键关闭按键列表
watch-help-arrows = 选择进程；焦点在 fds、连接、事件或 syscalls 窗格时，滚动该窗格
watch-help-page = 事件翻一页，或翻当前的 fds、连接或 syscalls 窗格
watch-help-tab = 下一个窗格（Shift-Tab：上一个）：进程、fds、连接、事件（打开时还有系统调用）
watch-help-fire-1 = 向端口发起 1 个连接，看看哪个进程 accept 它
watch-help-fire-more = 发起 10 个（2）或 100 个（3），每次 8 个，看看各由谁接受
watch-help-strace = 用 strace 跟踪选中的进程；再按 s 停止
watch-help-kill = 向选中的进程发送 SIGTERM，按 y 确认后才发送
watch-help-quit = 退出（放大时 Esc 先取消放大）；forklab 启动的命令随之结束
sys-stopped = 已停止
sys-sent-fds = 发出 fd { $fds } SCM_RIGHTS
sys-got-fds = 收到 fd { $fds } SCM_RIGHTS
sys-attaching = 正在挂接 strace…
why-blocked-in-accept = 正在停止进程池；阻塞在 accept(2) 里的工作进程读不到停止消息
why-channel-refused = 正在停止进程池；它的通道没有收下停止消息
bench-unknown-mode = 未知的 accept 模式 `{ $mode }`（应为 { $modes } 之一，或 all）
bench-done = 完成：{ $completed } 个完成，{ $failed } 个失败
bench-chaos = 混沌：杀死 { $kills } 个工作进程，重新拉起 { $respawns } 个，放弃 { $gave_up } 个，结束时剩 { $left }/{ $workers } 个工作进程
bench-chaos-settle = { $mode } 模式混沌测试：杀死 { $kills } 个工作进程，报告退出 { $exits } 个，重新拉起 { $respawns } 个，放弃 { $gave_up } 个，进程池是否重新就绪：{ $ready }
bench-yes = 是
bench-no = 否
col-mode = 模式
col-workers = 工作进程
col-completed = 完成
col-failed = 失败
col-empty = 空唤醒
col-empty-wakeups = 空唤醒
col-ctx-switches = 上下文切换
col-per-worker = 各工作进程
col-errors = 错误
col-max = 最大
col-min = 最小
col-cv = 变异系数
fired-latency = ，p50 { $p50 } ms，p99 { $p99 } ms
fired-errors = （{ $kinds }）
fired-error-kind = { $n } 个{ $kind }
failed-conn = #{ $conn } { $kind }
failed-conn-by = #{ $conn } { $kind }（{ $by }）
conn-row-failed = 失败
conn-row-failed-why = 失败（{ $kind }）
# 失败连接的种类：--json 里的值，译成中文。
fail-kind = { $kind ->
        [refused] 被拒绝
        [reset] 被重置
        [timeout] 超时
        [closed_early] 提前关闭
        [bad_response] 回复无效
        [emfile] fd 用尽
        [owner_gone] 持有者已关闭
        [owner_unclear] 持有者不明
        [other] 其他错误
       *[unknown] { $kind }
    }
doctor-node-missing = Node 课程（node-fork、node-cluster）无法运行
doctor-node = PATH 上有 node { $version }，供 Node 课程使用
doctor-writing-json = 写出 doctor 的 json 报告
doctor-not-linux = forklab 是为 { $os } 构建的，不是 Linux
doctor-calling-uname = 调用 uname
doctor-uname-not-linux = uname 报告的内核是 { $sysname }，不是 "Linux"
doctor-forking = fork 一个子进程
doctor-forked = fork 出 pid { $pid }，waitpid 报告退出码 7
doctor-fork-status = 子进程 pid { $pid }：waitpid 报告 { $status }，预期退出码 7
doctor-waiting-child = 等待子进程 pid { $pid }
doctor-socketpair = 创建 SOCK_SEQPACKET socketpair
doctor-pipe = 创建管道
doctor-sending-fd = 用 SCM_RIGHTS 发送管道 fd { $fd }
doctor-receiving = 接收 SCM_RIGHTS 消息
doctor-cmsgs = 读取控制消息
doctor-data-byte = 预期数据字节 "F"，收到 { $bytes } 字节 { $data }
doctor-fd-count = 预期消息带 1 个 fd，收到 { $n } 个
doctor-fd-flags = 读取收到的 fd { $fd } 的标志
doctor-not-cloexec = 收到的 fd { $fd } 没有 close-on-exec，尽管用了 MSG_CMSG_CLOEXEC
doctor-writing-through = 通过收到的 fd { $fd } 写入
doctor-short-write = 通过 fd { $fd } 只写入了 { $bytes } 字节
doctor-pipe-other-end = 读取管道的另一端
doctor-pipe-returned = 管道读出的是 { $got }，不是 fd { $fd } 写入的内容
doctor-scm-rights = 带 1 个数据字节发送管道 fd { $sent }，收到时是 fd { $passed }（close-on-exec），关闭 fd { $sent } 后，通过 fd { $passed } 写入的 { $bytes } 字节从管道另一端读出
doctor-listener-address = 读取监听 socket 的地址
doctor-epoll-create = 创建 epoll 实例
doctor-epoll-add = 对监听 socket { $addr } 做 epoll_ctl ADD（EPOLLEXCLUSIVE）
doctor-connecting = 连接 { $addr }
doctor-epoll-wait = 在 epoll 实例上等待
doctor-epoll-no-wake = 连接 { $addr } 没有唤醒 EPOLLEXCLUSIVE 注册
doctor-epoll-exclusive = 对监听 socket { $addr } 的 epoll_ctl ADD（EPOLLEXCLUSIVE）被接受，一个连接唤醒了它
doctor-first-port = 读取第一个 socket 的端口
doctor-second-socket = 127.0.0.1:{ $port } 上的第二个 socket
doctor-reuseport = 两个 SO_REUSEPORT socket 同时监听 127.0.0.1:{ $port }
doctor-tcp-socket = 创建 TCP socket
doctor-set-reuseport = 设置 SO_REUSEPORT
doctor-binding = 绑定 { $addr }
doctor-listening = 在 { $addr } 上监听
doctor-subreaper-after = 设置之后再读 PR_GET_CHILD_SUBREAPER
doctor-subreaper-restoring = 把 PR_SET_CHILD_SUBREAPER 恢复为 { $to }
doctor-subreaper-no-effect = PR_SET_CHILD_SUBREAPER 1 之后 PR_GET_CHILD_SUBREAPER 仍读到 0
doctor-subreaper = PR_SET_CHILD_SUBREAPER 生效，已恢复为{ $to }
doctor-on = 开
doctor-off = 关
doctor-reading-link = 读取链接 { $path }
doctor-link-target = { $path } 指向 { $target }，预期是 socket:[INODE]
doctor-fstat = 对 fd { $fd } 做 fstat
doctor-inode-differs = { $path } 给出 inode { $inode }，但 fstat 说是 { $real }
doctor-reading-status = 读取 /proc/self/status
doctor-no-ctxt-line = /proc/self/status 里没有 voluntary_ctxt_switches 这一行
doctor-accepting = 在 { $addr } 上 accept
doctor-client-address = 读取客户端地址
doctor-peer-differs = accept 到 { $peer }，但客户端是 { $local }
doctor-loopback = 绑定 { $addr }，连上并 accept 了来自 { $peer } 的连接
doctor-no-tty = { $which ->
        [stdin] stdin 不是
        [stdout] stdout 不是
       *[other] stdin 和 stdout 都不是
    }终端：TUI 需要终端；`forklab play <lesson>` 不需要
doctor-tty = stdin 和 stdout 都是终端
doctor-no-strace = PATH 上没有 strace：观察界面的 syscalls 窗格需要它（apt-get install strace）
doctor-starting-sleep = 启动 sleep 供 strace 挂接
doctor-running = 运行 { $path }
doctor-strace-refused = strace 无法挂接到进程 { $pid }：{ $error }：syscalls 窗格需要 ptrace（以 root 运行，或容器加 --cap-add SYS_PTRACE）
doctor-no-yama = 没有 Yama
doctor-strace = { $path } 挂接到了我们自己的一个进程（{ $scope }）
watch-seen = 发现 { $alias } pid { $pid }（ppid { $ppid }）
watch-out = 输出：{ $line }
strace-missing = 没有安装 strace（PATH 上找不到）：先安装（apt-get install strace），再按 s
strace-yama-1 = ptrace 只允许追踪自己的后代进程（Yama ptrace_scope 为 1），而 strace 不是 { $pid } 的祖先：运行 `sudo sysctl kernel.yama.ptrace_scope=0`，或以 root 运行 forklab
strace-yama-2 = ptrace 需要 CAP_SYS_PTRACE（Yama ptrace_scope 为 2）：以 root 运行 forklab
strace-yama-off = ptrace 在重启前都被关闭了（Yama ptrace_scope 为 { $scope }）：任何进程都无法追踪
strace-other-user = 进程 { $pid } 属于用户 { $owner }，forklab 以 { $me } 运行：ptrace 需要同一用户或 CAP_SYS_PTRACE；请以该用户或 root 运行 forklab
strace-no-process = 没有可追踪的进程
strace-detached = strace 已脱离
strace-target-gone = strace 随被跟踪的进程一起结束：{ $pid } 已退出（不是分离）
strace-exited = strace 以退出码 { $code } 退出
strace-killed = strace 被 { $signal } 杀死
strace-closed = strace 关闭了它的输出
strace-held = 有 { $held } 个调用未显示（每秒最多 { $most } 个）
strace-refused = { $line }：内核拒绝了对 { $pid } 的 ptrace（容器缺少 CAP_SYS_PTRACE，或 seccomp 配置禁止了它）：给容器加 --cap-add SYS_PTRACE，或以 root 运行 forklab
node-how-to-get = 安装 Node.js，让 `node` 出现在 PATH 上（apt-get install nodejs，或 https://nodejs.org）；课程是用 Node 20 编写和实测的
node-not-on-path = PATH 上没有 `node`；{ $how }

## The lab's own errors (src/lab/mod.rs): the master or the load client gone or silent
lab-send-failed = 向主进程发送 { $cmd } 失败：{ $error }
lab-master-ended = 主进程（pid { $pid }）已经结束：{ $how }
lab-master-closed = 主进程（pid { $pid }）关闭了它的通道
lab-master-lost = 找不到主进程（pid { $pid }）了
lab-master-timeout = 等了 { $timeout }，主进程仍没有回应
lab-exit-code = 退出码 { $code }
lab-killed-by = 被 { $signal } 杀死
lab-no-exit-yet = 还没有退出状态
lab-client-no-summary = 负载客户端（pid { $pid }）没有给出汇总：{ $how }{ $said }
lab-client-said = ；它说：{ $lines }
lab-abandoned = 已放弃：forklab 正在停止
lab-thread-events = 启动事件读取线程
lab-thread-client = 启动客户端读取线程

## cost figures in an expect (src/lesson/cost.rs) and the built-in Node programs (src/lab/node.rs)
cost-bad-figure = 无效的数据项 `{ $value }`；应为 `WHAT.FIGURE`，例如 `fork.ns_each`
cost-bad-name = 无效的数据项名 `{ $name }`；只能用小写字母、数字和 `_`
cost-bad-number = 无效的数字 `{ $value }`；应为一个数字或 `WHAT.FIGURE`
cost-bad-factor = 无效的倍数 `{ $value }`；应为一个大于 0 的数，例如 `1.5`
cost-factor-needs-figure = 倍数只能跟在数据项后面，不能跟在 `{ $than }` 后面；应为 `cost WHAT.FIGURE OP WHAT.FIGURE * FACTOR`
node-running-version = 运行 { $node } --version
node-version-failed = { $node } --version 失败（{ $status }）
node-no-program = 没有名为 `{ $name }` 的内置 Node 程序
node-creating = 创建 { $path }
node-writing = 写入 { $path }
node-did-not-start = Node 程序 `{ $name }` 没有启动：{ $log }
node-workers-listening = Node 程序 `{ $name }` 有 { $listening } 个工作进程在监听，而不是 { $workers } 个
node-bad-state = 读取 Node 程序的状态 `{ $body }`
node-control-connect = 连接 Node 程序的控制端口 { $port }
node-control-read = 读取 Node 程序的回复
node-control-refused = Node 程序对 { $path } 的回答是 `{ $head }`：{ $body }
cost-unknown-kind = 未知的测量 `{ $value }`；应为以下之一：{ $kinds }
cost-unknown-op = 未知的比较 `{ $op }`；应为 `cost WHAT.FIGURE OP NUMBER`，OP 为以下之一：{ $ops }
node-wrote-nothing = 它什么也没写

## 命令行（src/cli.rs、src/cli/zh.rs）：中文的帮助与参数错误
cli-about = 用真实的 Linux 进程，学习多进程服务器如何工作
cli-arg-lessons = 从这个目录载入课程，而不是用 forklab 内置的课程
cli-arg-theme = 配色：default（深色与浅色终端上都清楚）、dark、light，或 contrast（适合投影）
cli-arg-ascii = 只用 ASCII 字符，不用制表符与块字符
cli-arg-refresh = 面板采样进程的间隔，单位毫秒（至少 200，即 sysinfo 计算 CPU 的间隔；至多 10000）
cli-arg-seed = 让随机选择可以重现：混沌开关挑中的进程、问题选项的顺序都按这个种子（不给时问题用种子 0）。（负载客户端没有随机时序：它按顺序、尽快地建立连接。）
cli-arg-lang = 课程与界面的语言：en 或 zh（中文）。不给时，LC_ALL、LC_MESSAGES 或 LANG 以 `zh` 开头即选中文
cli-open-about = 在终端界面中打开一节课
cli-open-autoplay = 自动逐步播放课程，每步结束后等 SECONDS 秒（默认 4）；停在最后一步（录制时在那里结束）
cli-open-record = 把画面录成 asciicast v2 文件（用 `asciinema play FILE.cast` 回放）
cli-open-size = 在 COLSxROWS 大小的画面中绘制，不管终端多大（用于录制）
cli-shot-about = 把课程界面在某一步的样子（连同真实进程）存成 SVG 图片
cli-shot-step = 要显示的步骤，先运行到这一步为止（0 是开场）
cli-notes-about = 显示课程的讲者备注，跟随课程界面所在的步骤
cli-play-about = 无界面地运行课程的各步并打印记录；有 expect 不成立时以非零状态退出
cli-play-json = 每行一个 JSON 对象
cli-serve-about = 运行主进程及其工作进程直到 Ctrl-C 或 SIGTERM，并打印事件（可用 curl、wrk、浏览器访问）
cli-serve-port = 127.0.0.1 上的端口；0 表示挑一个空闲端口
cli-serve-pass-handle = 先 fork，再通过 SCM_RIGHTS 传递监听套接字，而不是靠继承
cli-bench-about = 向进程池发起连接，报告吞吐量、延迟以及各工作进程的分布
cli-bench-mode = 一种 accept 模式，或 `all`，依次运行每种模式
cli-bench-connections = 要发起的连接数，每个都是新的 TCP 连接
cli-bench-concurrency = 同时打开的连接数
cli-bench-keepalive = 每个连接上的请求数
cli-bench-chaos-ms = 故障测试的混沌：负载运行期间每 MS 毫秒 SIGKILL 一个随机工作进程，之后检查每个连接都有着落、进程池恢复完整
cli-list-about = 列出课程，每行一个
cli-watch-about = 观察任意服务器的进程树：它的进程、监听套接字、连接与文件描述符，以及每个发过去的连接由哪个进程处理：实时界面、一次快照（--once），或发出 N 个连接并指出各由谁处理（--fire）
cli-watch-pid = 附着到这个正在运行的进程及其后代，只读，只有界面上先按 `k` 再按 `y` 会向选中的进程发送 SIGTERM；退出时让它们继续运行
cli-watch-port = 要观察并发起连接的 TCP 端口（默认：进程树监听的最小端口）
cli-watch-once = 打印一次快照后退出
cli-watch-fire = 发起 N 个连接（HTTP/1.1 GET /），并说出每个由哪个进程处理
cli-watch-concurrency = 发起连接时同时打开的连接数
cli-watch-json = 打印 JSON（一行）而不是文字；需要 --once 或 --fire
cli-watch-command = 要启动并观察的命令（写在 `--` 之后）；forklab 结束时它也结束
cli-doctor-about = 检查这台机器能否运行每一节课
cli-help-about = 显示本帮助，或给定子命令的帮助
cli-help-subcommand = 显示子命令的帮助
cli-help-flag = 显示帮助
cli-version-flag = 显示版本
cli-value-lesson = 课程
cli-usage = 用法：
cli-commands = 命令
cli-arguments = 参数
cli-options = 选项
cli-command = 命令
cli-default = （默认：{ $value }）
cli-choices = 可选值：
cli-choice-shared = 每个工作进程的 epoll 都盯着同一个监听 socket（Node 的 SCHED_NONE；惊群）
cli-choice-exclusive = 同上，但加了 EPOLLEXCLUSIVE（Linux 4.5）：唤醒一个或几个，而不是全部
cli-choice-blocking = 经典的 pre-fork：每个工作进程阻塞在 accept() 里，一次服务一个连接
cli-choice-rr = 主进程 accept，再通过 SCM_RIGHTS 把每个连接交出去（Node 的 SCHED_RR）
cli-choice-reuseport = 每个工作进程一个设置了 SO_REUSEPORT 的 socket；内核把每个连接哈希到其中一个
cli-more = 更多信息请运行 '--help'。
cli-tip = 提示：
cli-err-prefix = 错误：
cli-err-subcommand = 没有子命令 '{ $name }'
cli-err-unknown-arg = 意外的参数 '{ $arg }'
cli-err-no-value = '{ $arg }' 需要一个值，但没有给出
cli-err-invalid-value = '{ $value }' 不是 '{ $arg }' 的有效值
cli-err-possible = [可选值：{ $values }]
cli-err-range = { $value } 不在 { $range } 之内
cli-err-missing = 缺少以下必需的参数：
cli-err-conflict = 参数 '{ $arg }' 不能与 '{ $prior }' 一起使用
cli-err-no-equals = 给 '{ $arg }' 赋值时需要用等号
cli-err-too-many = '{ $arg }' 多了一个值 '{ $value }'，它不再接受更多的值
cli-err-count = { $arg } 需要 { $expected } 个值，却给了 { $actual } 个
cli-err-missing-subcommand = '{ $name }' 需要一个子命令，但没有给出
cli-err-utf8 = 有参数不是有效的 UTF-8
cli-err-other = 无法读懂这个命令行
cli-err-idle = { $arg } 对 { $command } 不起作用：`forklab { $command } --help` 列出它接受的选项
cli-tip-subcommand = 有一个相近的子命令：'{ $name }'
cli-tip-arg = 有一个相近的参数：'{ $name }'
cli-tip-value = 有一个相近的值：'{ $name }'
cli-tip-trailing = 要把 '{ $arg }' 当作值传入，请写 '{ $write }'
cli-tip-double-dash = 有子命令 '{ $name }'；要使用它，请去掉它前面的 '--'
cli-tip-exists = 有 '{ $name }'
cli-not-seconds = `{ $value }` 不是秒数
cli-seconds-range = { $value } 秒超出范围（0 到 3600）
cli-not-size = `{ $value }` 不是大小；应为 COLSxROWS，例如 100x30
cli-size-small = { $size } 小于课程界面的最小尺寸 80x24
cli-size-big = { $size } 大于最大画面 { $largest }

## 进程面板中是词语的列标题（PID、PPID、PGID、SID、TTY、CPU%、RSS 保持原样）
col-process = 进程
col-state = 状态
col-threads = 线程
col-accepted = 接受
# 面板行数放不下时：显示的是第几行到第几行，共几行。
acc-unreported = 接受 ?：它的主进程已不在
rows-shown = { $first }{ $dash }{ $last }，共 { $rows }
procs-earlier-exited = 另有 { $n } 个先前进程池的进程已退出

## 实验与课程载入的更多错误
fire-thread-panicked = 一个负载线程崩溃了（panic）
fire-thread-start = 启动第 { $n } 个负载线程（共 { $of } 个）（同时的连接数受线程上限 `ulimit -u` 限制：请调低 --concurrency）
worker-count-expected = 1 到 64 的整数，或 "cores"
worker-count-invalid = 无效的工作进程数 `{ $value }`；应为 1 到 64 的整数，或 "cores"
engine-thread-failed = 无法启动引擎线程：{ $error }

## 术语表的 API 与系统调用（代码名称不译，旁边的词语翻译）
glossary-fork-api = child_process.fork(path)
glossary-fork-calls = socketpair + clone + execve
glossary-send-handle-api = subprocess.send(msg, handle)
glossary-send-handle-calls = sendmsg + SCM_RIGHTS
glossary-worker-listen-api = server.listen()（cluster 工作进程中）
glossary-worker-listen-calls = 写入 IPC socketpair（给主进程的一条消息）
glossary-listen-api = server.listen()（单个进程）
glossary-listen-calls = socket + bind + listen, epoll_wait
glossary-rr-api = cluster SCHED_RR
glossary-rr-calls = accept（主进程）+ sendmsg + SCM_RIGHTS
glossary-sched-none-api = cluster SCHED_NONE
glossary-sched-none-calls = 每个工作进程都 accept，epoll
glossary-reuseport-api = listen({ "{" } reusePort: true { "}" })
glossary-reuseport-calls = setsockopt SO_REUSEPORT
glossary-exit-api = worker.on('exit', …)
glossary-exit-calls = SIGCHLD + waitpid
glossary-kill-api = subprocess.kill(signal)
glossary-kill-calls = kill
glossary-detached-api = spawn(cmd, { "{" } detached: true { "}" })
glossary-detached-calls = clone + setsid + execve

## sys: the leaves' errors (the runtime dir, listeners, channels, sock_diag, starting programs)
sys-chan-dup = 复制通道的 fd
sys-chan-malformed = 格式错误的通道消息 `{ $text }`
sys-chan-recv = 从通道接收消息
sys-chan-cmsgs = 读取控制消息
sys-chan-oversized = 通道消息过大（超过 { $max } 字节）
sys-listening = 在 127.0.0.1:{ $port } 上监听
sys-tcp-socket = 创建 TCP socket
sys-listener-address = 读取监听 socket 的地址
sys-port-privileged = 端口 { $port } 小于 1024，绑定这样的端口需要特权（root，或 CAP_NET_BIND_SERVICE）；请选 1024 及以上的端口，或用 --port 0 让 forklab 挑一个空闲端口
sys-binding = 绑定 127.0.0.1:{ $port }
sys-block-signals = 在主线程中屏蔽信号
sys-signal-thread = 启动信号线程
sys-diag-tcp = 列出 TCP socket（{ $family }）
sys-diag-exact = 查找 TCP socket { $local } -> { $remote }
sys-diag-unix = 查找 inode 为 { $inode } 的 Unix socket
sys-diag-length = sock_diag 的回答长度有误：{ $len }
sys-stdout-write = 写入 stdout
sys-rundir-create = 创建运行时目录 { $path }
sys-reading = 读取 { $path }
sys-rundir-not-dir = { $path } 不是目录；请删除它后重试
sys-rundir-owner = { $path } 属于另一个用户；forklab 只把文件放在属于自己的目录里
sys-rundir-open = { $path } 对其他用户开放（权限 { $mode }）；应为 0700
sys-start-forklab = 启动 forklab { $args }
sys-dup-stderr = 复制 stderr
sys-no-command = 没有要启动的命令
sys-cannot-start = 无法启动 `{ $cmd }`

## roles: what the master, the workers, the daemon and the load client say (src/roles/)
daemon-forked = 由主进程 fork 出来；我的父进程是 pid { $ppid }
daemon-said = { $step } 完成
daemon-closed-nothing = 什么也没关：fork 没有带下来大于 2 的 fd
daemon-closed-fds = 关闭了 fd { $fds }：它们是主进程的，随 fork 继承下来
daemon-setsid = setsid() 建立了会话 { $sid }，没有控制终端
daemon-setsid-failed = setsid() 失败：{ $error }
daemon-forked-again = 又 fork 了一次；第一个子进程 { $first } 退出，于是这个进程成了孤儿进程
daemon-fork-failed = fork 失败：{ $error }
daemon-umask = umask { $old } -> 0000：创建的文件正好得到要求的权限
daemon-chdir = chdir("/")：不再让任何挂载的文件系统无法卸载
daemon-chdir-failed = chdir 失败：{ $error }
daemon-stdio = 0、1、2 号文件描述符现在都指向 /dev/null
daemon-stdio-open-failed = 打开 /dev/null 失败
daemon-stdio-dup-failed = dup2 到 fd { $fd } 失败
daemon-pidfile = 写入了 { $path }，守护进程活着时一直持有它的 flock(2) 锁
daemon-pidfile-stale = 写入了 { $path } 并加了 flock(2) 锁，接手了 pid { $stale } 留下的过期 pidfile（它的锁已随它消失）
daemon-pidfile-failed = pidfile 失败：{ $error }
daemon-pidfile-locked = { $path } 被一个正在运行的守护进程（pid { $holder }）锁着
daemon-pidfile-changing = { $path } 在我们操作时不断变化；不接手它
daemon-creating = 创建 { $path }：{ $error }
daemon-writing = 写入 { $path }：{ $error }
daemon-dir-not-a-dir = { $dir } 不是目录；不碰它
daemon-dir-not-private = { $dir } 属于别的用户或对其他人开放；不碰它
daemon-unknown-step = 未知的步骤 `{ $step }`
master-daemon-stdout = 往它的 1 号文件描述符写了 "{ $said }"，那是主进程读取的管道
master-daemon-exists = 守护进程这一课的进程已经存在
master-daemon-fork-failed = fork 守护进程：{ $error }
master-no-daemon = 还没有守护进程；要先做 `daemon fork`
master-daemon-send-failed = 把 `{ $step }` 发给守护进程：{ $error }
master-no-worker = 没有活着的工作进程 `{ $alias }`
master-no-pool = 没有正在运行的进程池
master-no-pool-to-scale = 没有正在运行的进程池可以扩缩
master-no-pool-to-stop = 没有正在运行的进程池可以停止
master-no-pool-to-restart = 没有正在运行的进程池可以重启
master-rolling-busy = 已经有一次滚动重启在进行
master-rolling-failed = 滚动重启：{ $error }
master-respawn-failed = 重新启动 W{ $index }：{ $error }
master-forking = fork { $alias }
master-fork-limit = fork { $alias }：{ $error }：已达到进程数上限（`ulimit -u`，或 cgroup 的 pids.max）：减少 worker 数，或提高上限
master-no-listener = 在这种模式下主进程不持有监听 socket
master-listen-failed = 以 backlog { $n } 调用 listen：{ $error }
master-pass-failed = 把监听 socket 的 fd { $fd } 传给 { $alias }：{ $error }
master-send-failed = 把 { $what } 发给 { $alias }：{ $error }
master-bad-worker-message = { $alias }（pid { $pid }）发来了 { $error }；丢弃它
master-bad-signal = 未知的信号 `{ $signal }`
master-kill-failed = 向 { $alias }（pid { $pid }）发送 { $signal }：{ $error }
master-signal-mask = 修改 signalfd 的信号掩码：{ $error }
master-not-a-channel = fd { $fd } 不是 forklab 给的通道；这个角色由 forklab 自己启动
master-threads = 主进程有 { $threads } 个线程；它必须只有一个
master-smaps-failed = 子进程读不了 /proc/self/smaps_rollup
role-unknown-measurement = 未知的测量 `{ $what }`
role-measuring-failed = 测量 { $what }：{ $error }
worker-failing-at-start = 一启动就失败（崩溃那一课的崩溃循环）
worker-echo-panicked = 回声线程崩溃了（panic）
worker-echo-failed = 回声线程读写失败
client-bad-arguments = 参数无效：{ $error }
client-keepalive-zero = `keepalive` 为 0；每个连接至少要发 1 个请求
client-timeout-zero = timeout_ms 为 0；它至少要为 1，这样任何 socket 操作都不会永远等下去
client-starting-thread = 启动客户端线程 { $t }/{ $threads }
worker-got-ping = 一个 ping
worker-got-note = 一条来自 { $from } 的消息
worker-got-relay = 一条要转给 { $to } 的消息
worker-got-handle = 一个句柄
worker-ack-note = 收到 { $from } 的消息
worker-ack-parent-death = 主进程死后：{ $how }
worker-ack-accept-on = 开始 accept
worker-ack-accept-off = 停止 accept
worker-ack-drain = 收到 SIGTERM 时：排空连接，最多 { $ms } ms
worker-ack-no-drain = 收到 SIGTERM 时：无法排空（{ $error }）
worker-ack-term = SIGTERM：关闭了 { $closed } 个空闲连接，正在排空 { $busy } 个，最多 { $ms } ms
worker-ack-cut = 排空时限已到：切断 { $cut } 个连接
master-ack-listen = listen(fd { $fd }, backlog { $n })
master-msg-drain = 收到 SIGTERM 时排空
master-msg-ping = ping
master-msg-pong = pong
master-msg-broadcast = 广播
master-msg-relay = 请转发给 { $to }
master-msg-work = 干活
master-msg-counter = 计数器
master-msg-accept-on = 开始 accept
master-msg-accept-off = 停止 accept
master-msg-parent-death = 主进程死后：{ $how }
master-msg-cost = 测量开销
master-msg-handle = 句柄（监听 socket）
master-msg-ack = 确认（{ $what }）
master-msg-for = 给 { $to } 的
master-msg-relayed = 由 { $from } 转来
master-msg-handle-got = 句柄已收到
worker-panicking = 按崩溃那一课的要求 panic
client-flushing-lines = 刷出客户端的逐行输出
client-writing-line = 写出连接 { $conn } 的那一行
client-writing-summary = 写出客户端的汇总
client-flushing-summary = 刷出客户端的汇总
master-blocking-signals = 屏蔽信号
master-creating-signalfd = 创建 signalfd
master-creating-epoll = 创建 epoll 实例
master-serializing = 序列化一条命令
master-reading-count = 读取子进程的计数
master-reading-figures = 读取子进程的测量数据
master-msg-crash = 崩溃
master-fd-listener = 监听 socket
