;; The chunk scanner's inner loop for quiet access-log lines, 16 or 32 bytes at a step (scanner.ts explains the
;; rules; `npm run wasm` assembles this file into quiet-lines-wasm.ts). A JS byte loop costs about 20
;; instructions a byte, and a native search for the markers about as much as this whole loop; here one pass finds
;; a line's end and its markers, and two more its status.
;;
;; Memory: counts by status class at 0..23 (an i32 each, class 0 for a status that cannot be read), then the
;; result of the last call at 32..55 (lines counted, start and end of the last line, start and end of the one
;; before it, 1 when it stopped at a line with a marker). The chunk is copied in at DATA (64) by the caller, or
;; read into one of the read buffers further on, with at least 64 bytes of room after it: the loops read whole
;; steps of up to 32 bytes (and a marker's next 7 bytes) and ignore what lies past the end they were given.
(module
  (memory (export "memory") 1)

  ;; The first byte equal to $c in [$p, $end), or $end.
  (func $find (param $p i32) (param $end i32) (param $c i32) (result i32)
    (local $mask i32) (local $needle v128)
    (local.set $needle (i8x16.splat (local.get $c)))
    (block $none
      (loop $step
        (br_if $none (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $mask (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (local.get $needle))))
        (if (local.get $mask)
          (then
            (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $mask))))
            (return (select (local.get $p) (local.get $end) (i32.lt_u (local.get $p) (local.get $end))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $step)))
    (local.get $end))

;; A marker's first two letters at $q (`rr` of `[Ee]rror`, `xc` of `xception`) begin one, on the line from $start.
  (func $isMarker (param $q i32) (param $start i32) (result i32)
    (if (result i32) (i32.eq (i32.load8_u (local.get $q)) (i32.const 114))
      (then
        (i32.and
          (i32.and
            (i32.gt_u (local.get $q) (local.get $start))
            (i32.eq (i32.load16_u offset=2 (local.get $q)) (i32.const 0x726f)))
          (i32.eq (i32.or (i32.load8_u (i32.sub (local.get $q) (i32.const 1))) (i32.const 32)) (i32.const 101))))
      (else
        (i32.and
          (i32.eq (i32.load16_u offset=2 (local.get $q)) (i32.const 0x7065))
          (i32.eq (i32.load offset=4 (local.get $q)) (i32.const 0x6e6f6974))))))

  ;; The newline that ends the line starting at $p, or $end when none comes before it; -1 when a marker (`Error`,
  ;; `error`, `xception`) comes first. Pairs `rr` and `xc` are found 32 places at a time; a step with neither a
  ;; newline nor a pair (most of a line) costs one test, and only the others have their masks taken.
  (func $lineEnd (param $p i32) (param $end i32) (result i32)
    (local $start i32) (local $newlines i32) (local $candidates i32) (local $v0 v128) (local $w0 v128)
    (local $v1 v128) (local $w1 v128) (local $n0 v128) (local $c0 v128) (local $n1 v128) (local $c1 v128)
    (local $nl v128) (local $r v128) (local $x v128) (local $c v128)
    (local.set $start (local.get $p))
    (local.set $nl (i8x16.splat (i32.const 10)))
    (local.set $r (i8x16.splat (i32.const 114)))
    (local.set $x (i8x16.splat (i32.const 120)))
    (local.set $c (i8x16.splat (i32.const 99)))
    (block $none
      (loop $step
        (br_if $none (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v0 (v128.load (local.get $p)))
        (local.set $w0 (v128.load offset=1 (local.get $p)))
        (local.set $v1 (v128.load offset=16 (local.get $p)))
        (local.set $w1 (v128.load offset=17 (local.get $p)))
        (local.set $n0 (i8x16.eq (local.get $v0) (local.get $nl)))
        (local.set $n1 (i8x16.eq (local.get $v1) (local.get $nl)))
        (local.set $c0
          (v128.or
            (v128.and
              (i8x16.eq (local.get $v0) (local.get $r))
              (i8x16.eq (local.get $w0) (local.get $r)))
            (v128.and
              (i8x16.eq (local.get $v0) (local.get $x))
              (i8x16.eq (local.get $w0) (local.get $c)))))
        (local.set $c1
          (v128.or
            (v128.and
              (i8x16.eq (local.get $v1) (local.get $r))
              (i8x16.eq (local.get $w1) (local.get $r)))
            (v128.and
              (i8x16.eq (local.get $v1) (local.get $x))
              (i8x16.eq (local.get $w1) (local.get $c)))))
        (if (v128.any_true (v128.or (v128.or (local.get $n0) (local.get $c0)) (v128.or (local.get $n1) (local.get $c1))))
          (then
            (local.set $newlines
              (i32.or (i8x16.bitmask (local.get $n0)) (i32.shl (i8x16.bitmask (local.get $n1)) (i32.const 16))))
            (local.set $candidates
              (i32.or (i8x16.bitmask (local.get $c0)) (i32.shl (i8x16.bitmask (local.get $c1)) (i32.const 16))))
            ;; Only candidates before this step's first newline are on the line.
            (if (local.get $newlines)
              (then
                (local.set $candidates
                  (i32.and (local.get $candidates)
                    (i32.sub (i32.and (local.get $newlines) (i32.sub (i32.const 0) (local.get $newlines))) (i32.const 1))))))
            (block $checked
              (loop $candidate
                (br_if $checked (i32.eqz (local.get $candidates)))
                (if (call $isMarker (i32.add (local.get $p) (i32.ctz (local.get $candidates))) (local.get $start))
                  (then (return (i32.const -1))))
                (local.set $candidates (i32.and (local.get $candidates) (i32.sub (local.get $candidates) (i32.const 1))))
                (br $candidate)))
            (if (local.get $newlines)
              (then
                (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $newlines))))
                (return (select (local.get $p) (local.get $end) (i32.lt_u (local.get $p) (local.get $end))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $step)))
    (local.get $end))

  ;; The first `" ` (a quote, then a space) whose space lies before $end, starting at or after $p; or $end.
  (func $quoteSpace (param $p i32) (param $end i32) (result i32)
    (local $mask i32)
    (block $none
      (loop $step
        (br_if $none (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
        (local.set $mask
          (i8x16.bitmask
            (v128.and
              (i8x16.eq (v128.load (local.get $p)) (i8x16.splat (i32.const 34)))
              (i8x16.eq (v128.load offset=1 (local.get $p)) (i8x16.splat (i32.const 32))))))
        (if (local.get $mask)
          (then
            (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $mask))))
            (return
              (select (local.get $p) (local.get $end)
                (i32.lt_u (i32.add (local.get $p) (i32.const 1)) (local.get $end))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $step)))
    (local.get $end))

  ;; The class (1 to 5) of the status whose three digits stand at $p (the first 1 to 5), else 0.
  (func $digitsClass (param $p i32) (result i32)
    (local $class i32)
    (local.set $class (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
    ;; Unsigned compares: a byte below '0' wraps to a large number.
    (if
      (i32.or
        (i32.gt_u (i32.sub (local.get $class) (i32.const 1)) (i32.const 4))
        (i32.or
          (i32.gt_u (i32.sub (i32.load8_u offset=1 (local.get $p)) (i32.const 48)) (i32.const 9))
          (i32.gt_u (i32.sub (i32.load8_u offset=2 (local.get $p)) (i32.const 48)) (i32.const 9))))
      (then (return (i32.const 0))))
    (local.get $class))

  ;; The status class (1 to 5) of the line [$start, $end) as extract/status.ts reads a combined-format line:
  ;; after the first `" ` that follows the first quote, three digits (the first 1 to 5) and a space; else 0.
  (func $statusClass (param $start i32) (param $end i32) (result i32)
    (local $open i32) (local $close i32)
    (local.set $open (call $find (local.get $start) (local.get $end) (i32.const 34)))
    (if (i32.ge_u (local.get $open) (local.get $end)) (then (return (i32.const 0))))
    (local.set $close (call $quoteSpace (i32.add (local.get $open) (i32.const 1)) (local.get $end)))
    (if (i32.ge_u (i32.add (local.get $close) (i32.const 5)) (local.get $end)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load8_u offset=5 (local.get $close)) (i32.const 32)) (then (return (i32.const 0))))
    (call $digitsClass (i32.add (local.get $close) (i32.const 2))))

  ;; The status class of a JSON line [$start, $end) as extract/status.ts reads one: after the first `"status":`,
  ;; else the first `"http_status":`, else the first `"DownstreamStatus":`, an optional space, an optional quote,
  ;; then three digits (the first 1 to 5); else 0. Every key ends with `":`: the pairs are found 16 places at a
  ;; time and each is checked against the three names; the first `"status":` ends the search.
  (func $jsonStatusClass (param $start i32) (param $end i32) (result i32)
    (local $p i32) (local $mask i32) (local $q i32) (local $k i32) (local $status i32) (local $http i32)
    (local $down i32)
    (local.set $status (i32.const -1))
    (local.set $http (i32.const -1))
    (local.set $down (i32.const -1))
    (local.set $p (local.get $start))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
        (local.set $mask
          (i8x16.bitmask
            (v128.and
              (i8x16.eq (v128.load (local.get $p)) (i8x16.splat (i32.const 34)))
              (i8x16.eq (v128.load offset=1 (local.get $p)) (i8x16.splat (i32.const 58))))))
        (block $checked
          (loop $candidate
            (br_if $checked (i32.eqz (local.get $mask)))
            ;; $q: the quote that closes a key; its colon must be on the line.
            (local.set $q (i32.add (local.get $p) (i32.ctz (local.get $mask))))
            (br_if $done (i32.ge_u (i32.add (local.get $q) (i32.const 1)) (local.get $end)))
            ;; `"status":` starts 7 bytes before $q: `"status"` is one 8-byte load.
            (local.set $k (i32.sub (local.get $q) (i32.const 7)))
            (if
              (i32.and
                (i32.ge_s (local.get $k) (local.get $start))
                (i64.eq (i64.load (local.get $k)) (i64.const 0x2273757461747322)))
              (then
                (local.set $status (i32.add (local.get $q) (i32.const 2)))
                (br $done)))
            ;; `"http_status":` starts 12 bytes before: `"http_st`, then `atus`.
            (local.set $k (i32.sub (local.get $q) (i32.const 12)))
            (if
              (i32.and
                (i32.lt_s (local.get $http) (i32.const 0))
                (i32.and
                  (i32.ge_s (local.get $k) (local.get $start))
                  (i32.and
                    (i64.eq (i64.load (local.get $k)) (i64.const 0x74735f7074746822))
                    (i32.eq (i32.load offset=8 (local.get $k)) (i32.const 0x73757461)))))
              (then (local.set $http (i32.add (local.get $q) (i32.const 2)))))
            ;; `"DownstreamStatus":` starts 17 bytes before: `"Downstr`, `eamStatu`, then `s`.
            (local.set $k (i32.sub (local.get $q) (i32.const 17)))
            (if
              (i32.and
                (i32.lt_s (local.get $down) (i32.const 0))
                (i32.and
                  (i32.ge_s (local.get $k) (local.get $start))
                  (i32.and
                    (i64.eq (i64.load (local.get $k)) (i64.const 0x7274736e776f4422))
                    (i32.and
                      (i64.eq (i64.load offset=8 (local.get $k)) (i64.const 0x75746174536d6165))
                      (i32.eq (i32.load8_u offset=16 (local.get $k)) (i32.const 115))))))
              (then (local.set $down (i32.add (local.get $q) (i32.const 2)))))
            (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
            (br $candidate)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $step)))
    ;; Where the value starts, after the key of the highest rank found.
    (local.set $p
      (select (local.get $status)
        (select (local.get $http) (local.get $down) (i32.ge_s (local.get $http) (i32.const 0)))
        (i32.ge_s (local.get $status) (i32.const 0))))
    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const 0))))
    (if (i32.and (i32.lt_u (local.get $p) (local.get $end)) (i32.eq (i32.load8_u (local.get $p)) (i32.const 32)))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (if (i32.and (i32.lt_u (local.get $p) (local.get $end)) (i32.eq (i32.load8_u (local.get $p)) (i32.const 34)))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (if (i32.gt_u (i32.add (local.get $p) (i32.const 3)) (local.get $end)) (then (return (i32.const 0))))
    (call $digitsClass (local.get $p)))

  ;; Where the content of a CRI line [$start, $end) starts (`<time> <stream> <F|P> <content>`), as
  ;; container.ts's criContentStart finds it: after the tag that follows the second space; -1 when the line is
  ;; not one (it may start one past $end: a tag with nothing after it).
  (func $criContent (param $start i32) (param $end i32) (result i32)
    (local $sp2 i32) (local $tag i32)
    (local.set $sp2
      (call $find
        (i32.add (call $find (local.get $start) (local.get $end) (i32.const 32)) (i32.const 1))
        (local.get $end) (i32.const 32)))
    (if (i32.ge_u (local.get $sp2) (local.get $end)) (then (return (i32.const -1))))
    (local.set $tag
      (select (i32.load8_u offset=1 (local.get $sp2)) (i32.const -1)
        (i32.lt_u (i32.add (local.get $sp2) (i32.const 1)) (local.get $end))))
    (if (i32.and (i32.ne (local.get $tag) (i32.const 70)) (i32.ne (local.get $tag) (i32.const 80)))
      (then (return (i32.const -1))))
    (if
      (i32.and
        (i32.gt_u (local.get $end) (i32.add (local.get $sp2) (i32.const 2)))
        (i32.ne (i32.load8_u offset=2 (local.get $sp2)) (i32.const 32)))
      (then (return (i32.const -1))))
    (i32.add (local.get $sp2) (i32.const 3)))

  ;; Whether a Docker json-file line [$start, $end) is a whole record the framer would pass over: its content
  ;; ends (`\n","` stands on the line) and does not end with `{` (no `{\` two bytes before a `","stream"`, as
  ;; the JS path looks for in the line's last bytes; looked for anywhere here, which only stops more often).
  (func $dockerWhole (param $start i32) (param $end i32) (result i32)
    (local $p i32) (local $ends i32) (local $opens i32) (local $q i32) (local $whole i32) (local $v0 v128)
    (local $v1 v128)
    (local.set $p (local.get $start))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
        (local.set $v0 (v128.load (local.get $p)))
        (local.set $v1 (v128.load offset=1 (local.get $p)))
        (local.set $ends
          (i8x16.bitmask
            (v128.and
              (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 92)))
              (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 110))))))
        (local.set $opens
          (i8x16.bitmask
            (v128.and
              (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 123)))
              (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 92))))))
        (block $checked
          (loop $candidate
            (br_if $checked (i32.eqz (local.get $ends)))
            (local.set $q (i32.add (local.get $p) (i32.ctz (local.get $ends))))
            (br_if $checked (i32.ge_u (local.get $q) (local.get $end)))
            (if
              (i32.and
                (i32.eq (i32.load16_u offset=2 (local.get $q)) (i32.const 0x2c22))
                (i32.eq (i32.load8_u offset=4 (local.get $q)) (i32.const 34)))
              (then (local.set $whole (i32.const 1))))
            (local.set $ends (i32.and (local.get $ends) (i32.sub (local.get $ends) (i32.const 1))))
            (br $candidate)))
        (block $checked
          (loop $candidate
            (br_if $checked (i32.eqz (local.get $opens)))
            (local.set $q (i32.add (local.get $p) (i32.ctz (local.get $opens))))
            (br_if $checked (i32.ge_u (local.get $q) (local.get $end)))
            (if
              (i32.and
                (i64.eq (i64.load offset=3 (local.get $q)) (i64.const 0x6165727473222c22))
                (i32.eq (i32.load16_u offset=11 (local.get $q)) (i32.const 0x226d)))
              (then (return (i32.const 0))))
            (local.set $opens (i32.and (local.get $opens) (i32.sub (local.get $opens) (i32.const 1))))
            (br $candidate)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $step)))
    (local.get $whole))

  ;; Counts the quiet lines from $pos on and returns where it stopped: at the first line that is not whole
  ;; before $end, holds a marker, is longer than $max, or needs the JS path's look (a line ending with `{`, one
  ;; whose content starts with `\tstatus c` or `Tracebac`). A content starting with `{` has its status read as
  ;; JSON. $format 1: CRI lines, each content read after its prefix; a partial line (tag `P`) or one that is not
  ;; CRI stops the loop too. $format 2: Docker json-file lines, whose status the framer does not count; one
  ;; that is not a whole record, or whose content starts with an escaped `\tstatus`, stops it.
  (func (export "quiet") (param $pos i32) (param $end i32) (param $max i32) (param $format i32) (result i32)
    (local $nl i32) (local $lineEnd i32) (local $content i32) (local $first i32) (local $slot i32) (local $lines i32)
    (local $lastStart i32) (local $lastEnd i32) (local $olderStart i32) (local $olderEnd i32) (local $marked i32)
    (block $stop
      (loop $line
        (local.set $nl (call $lineEnd (local.get $pos) (local.get $end)))
        (if (i32.eq (local.get $nl) (i32.const -1))
          (then
            (local.set $marked (i32.const 1))
            (br $stop)))
        (br_if $stop (i32.ge_u (local.get $nl) (local.get $end)))
        ;; A CR before the newline is not part of the line.
        (local.set $lineEnd (local.get $nl))
        (if (i32.gt_u (local.get $nl) (local.get $pos))
          (then
            (if (i32.eq (i32.load8_u (i32.sub (local.get $nl) (i32.const 1))) (i32.const 13))
              (then (local.set $lineEnd (i32.sub (local.get $nl) (i32.const 1)))))))
        (br_if $stop (i32.gt_u (i32.sub (local.get $lineEnd) (local.get $pos)) (local.get $max)))
        (local.set $content (local.get $pos))
        (if (i32.eq (local.get $format) (i32.const 1))
          (then
            (local.set $content (call $criContent (local.get $pos) (local.get $lineEnd)))
            (br_if $stop (i32.lt_s (local.get $content) (i32.const 0)))
            ;; A partial line (`P`) is the framer's to join.
            (br_if $stop (i32.ne (i32.load8_u (i32.sub (local.get $content) (i32.const 2))) (i32.const 70)))))
        (if (i32.eq (local.get $format) (i32.const 2))
          (then
            (br_if $stop (i32.eqz (call $dockerWhole (local.get $pos) (local.get $lineEnd))))
            ;; The content starts after `{"log":"`.
            (local.set $content (i32.add (local.get $pos) (i32.const 8)))
            (br_if $stop
              (i32.and
                (i32.lt_u (local.get $content) (local.get $lineEnd))
                (i64.eq (i64.load (local.get $content)) (i64.const 0x737574617473745c))))))
        (br_if $stop
          (i32.and
            (i32.gt_u (local.get $lineEnd) (local.get $pos))
            (i32.eq (i32.load8_u (i32.sub (local.get $lineEnd) (i32.const 1))) (i32.const 123))))
        (local.set $first (i32.const -1))
        (if (i32.lt_u (local.get $content) (local.get $lineEnd))
          (then
            (local.set $first (i32.load8_u (local.get $content)))
            (br_if $stop
              (i32.and
                (i32.eq (local.get $first) (i32.const 9))
                (i64.eq (i64.load offset=1 (local.get $content)) (i64.const 0x6320737574617473))))
            (br_if $stop (i64.eq (i64.load (local.get $content)) (i64.const 0x6361626563617254)))))
        ;; Class 0, never drained, for a Docker line.
        (local.set $slot
          (i32.shl
            (if (result i32) (i32.eq (local.get $format) (i32.const 2))
              (then (i32.const 0))
              (else
                (if (result i32) (i32.eq (local.get $first) (i32.const 123))
                  (then (call $jsonStatusClass (local.get $content) (local.get $lineEnd)))
                  (else (call $statusClass (local.get $content) (local.get $lineEnd))))))
            (i32.const 2)))
        (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
        (local.set $olderStart (local.get $lastStart))
        (local.set $olderEnd (local.get $lastEnd))
        (local.set $lastStart (local.get $pos))
        (local.set $lastEnd (local.get $lineEnd))
        (local.set $lines (i32.add (local.get $lines) (i32.const 1)))
        (local.set $pos (i32.add (local.get $nl) (i32.const 1)))
        (br $line)))
    (i32.store offset=32 (i32.const 0) (local.get $lines))
    (i32.store offset=36 (i32.const 0) (local.get $lastStart))
    (i32.store offset=40 (i32.const 0) (local.get $lastEnd))
    (i32.store offset=44 (i32.const 0) (local.get $olderStart))
    (i32.store offset=48 (i32.const 0) (local.get $olderEnd))
    (i32.store offset=52 (i32.const 0) (local.get $marked))
    (local.get $pos)))
