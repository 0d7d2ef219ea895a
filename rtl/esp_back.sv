// esp_back: the packet engine's back (part of esp_engine; doc: rtl/doc/esp_engine.md). It holds
// up to 16 records from the front, in fetch order, in a small ring, and works on several
// of them at once:
//   stage A (output): the lanes' results in order, each OK packet's output write requested at
//     once, then the output beats in order, written to out_addr (or drained);
//   stage B (effects), oldest record: the replay commit when the ICV verified (a refused commit
//     -> REPLAY), the per-SA accounting (lifetimes, counters: the only SA state write of the
//     device), events (SEQ_OVERFLOW, SOFT, HARD in the model's order), waiting for the output
//     write's response (error -> DMA_ERROR, but REPLAY from the commit stays), STAT_* and the
//     completion.
// So packet N+1's output streams while packet N waits for its completion's write response,
// and the host bus carries output and completion beats back to back. The effects (replay,
// accounting, events, statistics, completion) stay in fetch order and exactly the model's
// (Account and Process in hw/model/device_model.cc): B starts a record only after the previous
// completion write of the record's queue succeeded (only that queue's later packets depend on
// it: the model never fetches them after a failure), so completions of different queues are
// in flight together and their answers come back on the ans_* port while B works on; a record
// of a queue that was reset (epoch) or whose completion write failed after the fetch is dropped
// without any effect, as the model would never have fetched it. The one order that differs
// from the model: the QUEUE_ERROR of a failed completion write may follow events of other
// queues' later packets. Only the output bytes run ahead: such a dropped record, or one that
// ends REPLAY at the commit or DMA_ERROR, may have written its output buffer (the ring
// protocol leaves a buffer undefined unless its completion is OK: rtl/doc/ring_protocol.md).
// A failed descriptor read becomes the QUEUE_ERROR event at its place in order.
//
// Writes go to the DMA master in request order (A's output, B's completion, in whichever order
// they asked); a FIFO of the requests' kinds routes wr_done_i, another the W data.
//
// Byte order: the lanes' output words (ceil(out_len / (DataW / 8)) per packet) and the DMA
// write data have byte 0 in [DataW-1 -: 8]; the completion beat is the 16-byte CQ entry of
// hw/regmap.toml (cookie, out_len, status, phase, seq; little-endian fields), byte 0 in
// [DataW-1 -: 8], the rest of the word zero (the write's length is 16).
module esp_back
  import ipsec_reg_pkg::*;
  import esp_sa_pkg::*;
  import esp_lane_pkg::*;
  import esp_engine_pkg::*;
#(
  parameter int unsigned Slots = 1024,
  // Host bus width (dma_master's DataW) and the width of the lanes' output words: the lanes stay
  // 128 bits, ipsec_top packs their output into DataW-bit words (rtl/doc/multilane.md).
  parameter int unsigned DataW = 128,
  // Records held (a power of two): a record lives from the front's hand-on to its completion's
  // write response, about the lane's latency plus four packets' output at 64 B, plus the write
  // response latency while completions of several queues are in flight; 8 kept one lane busy
  // with small packets and one queue (4 gave 11.3 clocks per 64 B packet for 9 beats), 16 keep
  // it busy with 4 queues up to a write latency of about 32 clocks (8: 12.6 clocks at 32);
  // ipsec_top gives it 64 with several lanes (rtl/doc/multilane.md, step 10).
  parameter int unsigned Recs = 16,
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned BB = DataW / 8  // bytes per bus word
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // The front's record.
  input  logic              hand_i,
  input  back_t             hand_rec_i,
  input  sa_cfg_t           hand_cfg_i,
  input  sa_state_t         hand_st_i,
  input  sa_state_t         hand_post_i,      // the SA's state after the packet ...
  input  logic              hand_post_ok_i,   // ... if the front knows it
  output logic              rec_ready_o,      // room for a record (hand_i allowed)
  input  logic [SlotW-1:0]  f_slot_i,         // the front's SA slot ...
  output logic              haz_o,            // ... has a packet here not yet done
  input  logic [2:0]        f_pq_i,           // the front's packet's queue and epoch
  input  logic [3:0]        f_pepoch_i,
  output logic              fwd_o,            // the youngest such packet's state after it ...
  output sa_state_t         fwd_st_o,         // ... is known and may be used (same queue)
  output logic              busy_o,           // a record is held
  // Fetcher reports (a successful fetch ends a queue's drop).
  input  logic [2:0]        f_q_i,
  input  logic              fetch_ok_i,
  // Queues.
  output logic [2:0]        eng_q_o,          // the back's queue and epoch
  output logic [3:0]        eng_epoch_o,
  output logic              stop_o,           // B: a failed descriptor read of eng_q_o
  output logic              release_o,        // B: done with a fetched packet of eng_q_o
  input  logic              eng_live_i,
  input  logic [31:0]       q_epochs_i,       // every queue's epoch (4 bits per queue)
  input  logic [63:0]       cpl_addr_i,
  input  logic              cpl_phase_i,
  // Queues: a completion write answered (the queue and epoch of its record).
  output logic [2:0]        ans_q_o,
  output logic [3:0]        ans_epoch_o,
  input  logic              ans_live_i,
  output logic              ans_stop_o,       // it failed: the queue stops behind it
  output logic              ans_cpl_done_o,   // it succeeded: CQ_TAIL + 1
  output logic              ans_release_o,    // done with the packet
  // DMA master, write side.
  output logic              wr_req_valid_o,
  input  logic              wr_req_ready_i,
  output logic [63:0]       wr_req_addr_o,
  output logic [15:0]       wr_req_len_o,
  output logic              wr_data_valid_o,
  input  logic              wr_data_ready_i,
  output logic [DataW-1:0]  wr_data_o,
  input  logic              wr_done_i,
  input  logic              wr_err_i,
  // SA state write.
  output logic              sa_wr_o,
  output logic [SlotW-1:0]  sa_wr_slot_o,
  output sa_state_t         sa_wr_st_o,
  // Replay commit.
  output logic              rp_cmt_valid_o,
  input  logic              rp_cmt_ready_i,
  output logic [SlotW-1:0]  rp_cmt_slot_o,
  output logic [63:0]       rp_cmt_seq_o,
  input  logic              rp_cmt_done_i,
  input  logic              rp_cmt_ok_i,
  // Lane result and output.
  input  logic              res_valid_i,
  output logic              res_ready_o,
  input  lane_result_t      res_i,
  input  logic              out_valid_i,
  output logic              out_ready_o,
  input  logic [DataW-1:0]  out_data_i,
  input  logic              out_last_i,
  // Events, statistics, coalescing.
  output logic              ev_push_o,
  output logic [3:0]        ev_type_o,
  output logic [15:0]       ev_slot_o,
  output logic              stat_valid_o,
  output logic [3:0]        stat_status_o,
  output logic              stat_encap_ok_o,
  output logic              stat_decap_ok_o,
  output logic              cpl_valid_o,
  output logic [2:0]        cpl_q_o,
  output logic              cpl_force_o,
  // Status.
  output logic              idle_o,
  output logic              lane_busy_o       // waiting for the lane's result
);
  `include "prim_assert.svh"

  localparam int unsigned RW = $clog2(Recs);
  typedef logic [RW-1:0] idx_t;
  typedef logic [RW:0] ptr_t;         // one wrap bit above the index

  // ------------------------------------------------------------------------------- records
  // The ring: written at wp by the front; stage A takes results at ap and streams output at sp,
  // stage B works at bp (bp <= sp <= ap <= wp). B may work on a record once A has its result
  // (B's effects need the status, not the output beats, so the front's same-SA wait ends
  // before the output has streamed); it finishes it once the output has streamed.
  back_t       r_q [Recs];
  sa_limits_t  rl_q [Recs];           // the SA's lifetime limits, as the front read them
  sa_state_t   rs_q [Recs];           // the SA's state, as the front read it
  sa_state_t   rp_q [Recs];           // ... and after the packet (if r_post_ok_q)
  logic        r_post_ok_q [Recs];
  logic [15:0] r_out_len_q [Recs];    // output bytes of an OK packet (from A)
  logic        r_drop_q [Recs];       // A found the queue reset or flushed: output drained
  logic        r_cmt_q [Recs];        // decap with a verified ICV: replay commit in B
  logic        r_res_q [Recs];        // A has the lane's result (or there is no lane job)
  logic [9:0]  r_beats_q [Recs];      // the lane's output beats for it (from A)
  logic        r_write_q [Recs];      // ... written to out_addr (else drained)
  logic        r_out_pend_q [Recs];   // the output is to be written, its response not yet in
  logic        r_out_err_q [Recs];    // ... and it failed
  logic        r_cpend_q [Recs];      // its completion write is not answered yet
  // cp <= bp: records B is done with whose completion write is not answered yet stay held
  // (their queue, epoch and IRQ flag are needed with the answer).
  ptr_t        wp_q, ap_q, qp_q, sp_q, bp_q, cp_q;
  idx_t        wi, ai, qi, si, bi, ci;
  ptr_t        cnt, bcnt;
  assign wi = wp_q[RW-1:0];
  assign ai = ap_q[RW-1:0];
  assign qi = qp_q[RW-1:0];
  assign si = sp_q[RW-1:0];
  assign bi = bp_q[RW-1:0];
  assign ci = cp_q[RW-1:0];
  assign cnt = wp_q - cp_q;
  assign bcnt = wp_q - bp_q;
  assign rec_ready_o = cnt != ptr_t'(Recs);
  assign busy_o = cnt != '0;

  logic a_has, b_has;  // stage A / B has a record
  assign a_has = ap_q != wp_q;
  assign b_has = bcnt != '0 && r_res_q[bi];
  logic b_a_past;  // ... and A is done with it: B may finish it
  assign b_a_past = bp_q != sp_q;
  back_t b_rec, a_rec;
  assign b_rec = r_q[bi];
  assign a_rec = r_q[ai];

  // Queues whose completion write failed (in this epoch): their fetched packets are dropped.
  logic [7:0] flush_q;
  logic [3:0] flush_epoch_q [8];
  // A record of a queue reset (epoch) or flushed since its fetch: dropped without effect.
  function automatic logic gone(logic [2:0] q, logic [3:0] epoch, logic live);
    return !live || (flush_q[q] && flush_epoch_q[q] == epoch);
  endfunction
  function automatic logic live_now(logic [2:0] q, logic [3:0] epoch);
    return q_epochs_i[4 * q +: 4] == epoch;
  endfunction
  logic       a_flushed, b_flushed;
  assign a_flushed = gone(a_rec.q, a_rec.epoch, live_now(a_rec.q, a_rec.epoch));
  assign b_flushed = gone(b_rec.q, b_rec.epoch, eng_live_i);

  // The front must not use an SA's state while a packet accounted to it is here and B has not
  // written it yet (the replay commit comes before the accounting too). b_wr2_q: the write is
  // at least two clocks old, so an SA read the front made in the previous clock saw it. B may
  // leave a record in the clock it writes the SA (the completion asked at once): lw_q keeps
  // that slot a hazard for the next clock.
  logic b_wr_q, b_wr2_q;
  logic lw_q;
  logic [SlotW-1:0] lw_slot_q;
  // Forwarding: when the youngest such packet's status was final in the front (encap) and it
  // is of the front's queue and epoch, the front may use the state after it instead of
  // waiting. (A packet of another queue could still be dropped after a completion error of
  // its own queue, and the model would then never have seen its effect.)
  // The scan compares every record at once, so it reads two narrow copies in flops beside the
  // wide records (which can then be RAM): per record, whether it is an accounted packet B has
  // not finished (hz_v_q) and its slot (hz_slot_q). The youngest match is the highest one in
  // ring order from bi (the matches rotated down by bi).
  logic [Recs-1:0]  hz_v_q, hz_match;
  logic [SlotW-1:0] hz_slot_q [Recs];
  idx_t youngest;
  logic haz_held;
  always_comb begin
    logic [2*Recs-1:0] rot;
    for (int i = 0; i < int'(Recs); i++) hz_match[i] = hz_v_q[i] && hz_slot_q[i] == f_slot_i;
    if (b_wr2_q) hz_match[bi] = 1'b0;
    haz_held = |hz_match;
    rot = {hz_match, hz_match} >> bi;
    youngest = bi;
    for (int k = 1; k < int'(Recs); k++) begin
      if (rot[k]) youngest = bi + idx_t'(k);
    end
  end
  assign haz_o = haz_held || (lw_q && lw_slot_q == f_slot_i);
  assign fwd_o = haz_held && r_post_ok_q[youngest] && r_q[youngest].q == f_pq_i &&
                 r_q[youngest].epoch == f_pepoch_i;
  assign fwd_st_o = rp_q[youngest];

  // ------------------------------------------------------------------------------- writes
  // Requests in flight, oldest first: kind (completion or A's output) and record, for
  // wr_done_i; and the requests whose W data is not all out yet (at most two of A's, one of
  // B's).
  localparam int unsigned WrTags = 8;  // = the DMA master's requests waiting for B
  logic       tag_cpl_q [WrTags];
  idx_t       tag_idx_q [WrTags];
  logic [3:0] tag_wp_q, tag_rp_q;
  logic       dq_cpl_q [4];           // W data order: 1 = B's completion beat, 0 = A's output
  logic [127:0] dq_beat_q [4];        // ... the completion entry, as B asked for it
  logic [2:0] dq_wp_q, dq_rp_q;
  logic       d_head_a, d_head_b;
  assign d_head_a = dq_wp_q != dq_rp_q && !dq_cpl_q[dq_rp_q[1:0]];
  assign d_head_b = dq_wp_q != dq_rp_q && dq_cpl_q[dq_rp_q[1:0]];

  logic a_req, b_req;                 // the stages ask to write (B first)
  logic a_acc, b_acc;                 // ... and the request is taken this clock
  assign wr_req_valid_o = a_req || b_req;
  assign b_acc = b_req && wr_req_ready_i;
  assign a_acc = a_req && !b_req && wr_req_ready_i;
  logic done_out, done_cpl;           // wr_done_i for an output / a completion
  assign done_out = wr_done_i && !tag_cpl_q[tag_rp_q[2:0]];
  assign done_cpl = wr_done_i && tag_cpl_q[tag_rp_q[2:0]];

  // Completion answers: the record, its queue's flag (B does not start a record of a queue
  // whose completion write is unanswered), and a failed one's QUEUE_ERROR, which takes the
  // event port from B for that clock (ans_fail holds B).
  idx_t  ans_i;
  back_t ans_rec;
  logic  ans_fail;
  logic [7:0] qpend_q;                // per queue: a completion write unanswered
  assign ans_i = tag_idx_q[tag_rp_q[2:0]];
  assign ans_rec = r_q[ans_i];
  assign ans_fail = done_cpl && wr_err_i;
  assign ans_q_o = ans_rec.q;
  assign ans_epoch_o = ans_rec.epoch;
  assign ans_stop_o = ans_fail;
  assign ans_cpl_done_o = done_cpl && !wr_err_i;
  assign ans_release_o = done_cpl;
  assign cpl_valid_o = done_cpl && !wr_err_i && ans_live_i;
  assign cpl_q_o = ans_rec.q;
  assign cpl_force_o = ans_rec.irq;

  // ------------------------------------------------------------------------------- stage A
  // Three parts, each in record order: the result side at ap takes the lanes' results as they
  // come (so a lane, which streams a packet's output only once its result is taken, hands it
  // to its output buffer while the back still writes other lanes' packets); the request side
  // at qp (qp <= ap) asks for each OK packet's output write; the stream side at sp (sp <= qp)
  // takes each record's output words in order, to the DMA write or drained.
  logic        a_take;                 // the lane's result is taken this clock
  logic        a_adv;                  // the result side is done with its record
  logic        a_write_new, a_cmt_new, a_drop_new;
  logic [15:0] a_out_len_new;
  assign res_ready_o = a_has && a_rec.kind == KPacket && a_rec.lane;
  assign a_take = res_ready_o && res_valid_i;
  assign a_drop_new = a_flushed;
  assign a_out_len_new = res_i.status == StatusOk ? {2'd0, res_i.out_len} : 16'd0;
  assign a_write_new = !a_drop_new && a_out_len_new != 16'd0;
  assign a_cmt_new = a_rec.decap && res_i.icv_ok && res_i.status != StatusAuthFail &&
                     res_i.status != StatusNoSpace;
  assign lane_busy_o = res_ready_o && !res_valid_i;
  assign a_adv = (a_has && !(a_rec.kind == KPacket && a_rec.lane)) || a_take;  // no job, or taken

  // The request side. A record whose queue was reset or flushed since its result was taken
  // writes nothing after all (its words are drained; B drops it).
  back_t q_rec;
  logic  q_has, q_write, q_flushed, q_skip, q_adv;
  assign q_rec = r_q[qi];
  assign q_has = qp_q != ap_q;
  assign q_write = q_has && r_write_q[qi];
  assign q_flushed = gone(q_rec.q, q_rec.epoch, live_now(q_rec.q, q_rec.epoch));
  assign q_skip = q_write && q_flushed;

  logic        s_has;                  // the stream side has a record (its request is out)
  logic        s_started_q;            // ... and took some of its words
  logic [9:0]  s_left_q, s_left;       // its words still to come from the lane
  logic        s_beat, s_adv;
  assign s_has = sp_q != qp_q;
  assign s_left = s_started_q ? s_left_q : r_beats_q[si];
  assign out_ready_o = s_has && s_left != 10'd0 &&
                       (!r_write_q[si] || (d_head_a && wr_data_ready_i));
  assign s_beat = out_valid_i && out_ready_o;
  assign s_adv = s_has && (s_left == 10'd0 || (s_beat && s_left == 10'd1));

  // The next output's request waits until the current one has at most two words to go, so
  // that B's completion, which usually asks while an output streams, goes first (output N,
  // completion N-1, output N+1): an early request would put a long output before it and
  // hold up B.
  logic a_go;
  logic [1:0] da_cnt_q;                // A's requests whose data is not all out
  assign a_go = da_cnt_q == 2'd0 || (da_cnt_q == 2'd1 && s_has && r_write_q[si] &&
                                     s_left <= 10'd2);
  assign a_req = q_write && !q_flushed && a_go;
  assign q_adv = (q_has && !r_write_q[qi]) || q_skip || a_acc;

  // ------------------------------------------------------------------------------- stage B
  typedef enum logic [3:0] {
    BIdle,
    BCmt,
    BCmtWait,
    BAcct,
    BEvSeq,
    BEvSoft,
    BEvHard,
    BOutWait,
    BCpl,
    BDrop
  } bstate_e;
  bstate_e     bstate_q, bstate_d;
  logic        b_done;                 // B finishes its record this clock
  logic        b_ev_soft_q, b_ev_soft_d, b_ev_hard_q, b_ev_hard_d;
  logic [3:0]  b_status_q, b_status_d;  // the final status (REPLAY, DMA_ERROR)
  logic [15:0] b_out_len_q, b_out_len_d;
  sa_state_t   b_st;
  assign b_st = rs_q[bi];
  logic unused_in;
  assign unused_in = ^{hand_cfg_i, res_i.icv_ok, res_i.inner_len, out_last_i, b_rec.lane, b_rec.irq,
                       ans_rec, q_rec,
                       b_rec.decap, b_rec.out_addr, a_rec};

  // Account (device_model.cc): the state after B's packet (in BIdle from the record's status:
  // a record without a replay commit is accounted in the clock B takes it).
  sa_state_t acct_st;
  logic acct_soft, acct_hard;
  logic [3:0] acct_status;
  acct_t acct;
  assign acct_status = bstate_q == BIdle ? b_rec.status : b_status_q;
  assign acct = sa_account(b_st, rl_q[bi], acct_status, b_rec.bytes);
  assign acct_st = acct.st;
  assign acct_soft = acct.ev_soft;
  assign acct_hard = acct.ev_hard;

  // The completion entry as B asks for it (with the CQ phase of that clock: its data beat comes
  // later, and a queue reset in between must not change it).
  logic [127:0] cpl_beat;
  always_comb begin
    logic [7:0] b [16];
    for (int i = 0; i < 4; i++) b[i] = b_rec.cookie[8 * i +: 8];
    b[4] = b_out_len_d[7:0];
    b[5] = b_out_len_d[15:8];
    b[6] = {4'd0, b_status_d};
    b[7] = {7'd0, cpl_phase_i};
    for (int i = 0; i < 8; i++) b[8 + i] = b_rec.seq[8 * i +: 8];
    for (int i = 0; i < 16; i++) cpl_beat[127 - 8 * i -: 8] = b[i];
  end

  // The completion is asked for (BCpl's work) in BCpl, and in BAcct without events and
  // BOutWait once the output write is answered.
  logic b_ev_any, b_fast, cpl_ask, b_go;
  assign b_ev_any = b_rec.ev_seq || (b_rec.acct && (acct_soft || acct_hard));
  // B starts a record once its queue has no completion write unanswered.
  assign b_go = b_has && !qpend_q[b_rec.q] && !ans_fail;
  // BIdle does BAcct's work for a packet that needs no replay commit.
  assign b_fast = bstate_q == BIdle && b_go && b_rec.kind == KPacket && !r_drop_q[bi] &&
                  !b_flushed && !r_cmt_q[bi];
  assign cpl_ask = bstate_q == BCpl ||
                   ((bstate_q == BOutWait || ((bstate_q == BAcct || b_fast) && !b_ev_any)) &&
                    !r_out_pend_q[bi] && b_a_past);
  assign b_req = cpl_ask && eng_live_i;
  always_comb begin
    bstate_d = bstate_q;
    b_status_d = b_status_q;
    b_out_len_d = b_out_len_q;
    b_ev_soft_d = b_ev_soft_q;
    b_ev_hard_d = b_ev_hard_q;
    b_done = 1'b0;
    sa_wr_o = 1'b0;
    sa_wr_slot_o = b_rec.slot[SlotW-1:0];
    sa_wr_st_o = acct_st;
    release_o = 1'b0;
    stop_o = 1'b0;
    ev_push_o = 1'b0;
    ev_type_o = EventNone;
    ev_slot_o = b_rec.slot;
    stat_valid_o = 1'b0;
    unique case (bstate_q)
      BIdle: begin
        b_status_d = b_rec.status;
        b_out_len_d = r_out_len_q[bi];
        b_ev_soft_d = 1'b0;
        b_ev_hard_d = 1'b0;
        if (b_go) begin
          if (b_rec.kind == KFetchErr) begin
            // Q_STATUS.STOPPED becomes visible with the event (the fetcher stopped already).
            // Behind a failed completion write of its queue (flushed) the model never read
            // this descriptor: no second QUEUE_ERROR.
            stop_o = b_a_past && !b_flushed;
            ev_push_o = b_a_past && !b_flushed;
            ev_type_o = EventQueueError;
            ev_slot_o = {13'd0, b_rec.q};
            b_done = b_a_past;  // never counted in flight: no release
          end else if (r_drop_q[bi] || b_flushed) begin
            bstate_d = BDrop;  // as if never fetched (once its output write is answered)
          end else if (r_cmt_q[bi]) begin
            bstate_d = BCmt;
          end  // else b_fast: BAcct's work now (below)
        end
      end
      BCmt: if (rp_cmt_ready_i) bstate_d = BCmtWait;  // rp_cmt_valid_o is high
      BCmtWait: begin
        if (rp_cmt_done_i) begin
          if (!rp_cmt_ok_i) begin
            // Another packet with this number verified first: a replay after all.
            b_status_d = StatusReplay;
            b_out_len_d = 16'd0;
          end
          bstate_d = BAcct;
        end
      end
      BAcct: ;  // below
      // The events wait while a failed completion's QUEUE_ERROR has the event port.
      BEvSeq: begin
        if (!ans_fail) begin
          ev_push_o = b_rec.ev_seq;
          ev_type_o = EventSeqOverflow;
          bstate_d = BEvSoft;
        end
      end
      BEvSoft: begin
        if (!ans_fail) begin
          ev_push_o = b_ev_soft_q;
          ev_type_o = EventSoftLifetime;
          bstate_d = BEvHard;
        end
      end
      BEvHard: begin
        if (!ans_fail) begin
          ev_push_o = b_ev_hard_q;
          ev_type_o = EventHardLifetime;
          bstate_d = BOutWait;
        end
      end
      BOutWait, BCpl: ;  // cpl_ask below
      BDrop: begin
        if (!r_out_pend_q[bi] && b_a_past) begin
          release_o = 1'b1;
          b_done = 1'b1;
        end
      end
      default: bstate_d = BIdle;
    endcase
    if (bstate_q == BAcct || b_fast) begin
      // Account (b_rec.bytes: decap bytes as device_model.cc counts them, from the lane;
      // encap: from the front), then the events or the output's answer.
      if (b_rec.acct) begin
        sa_wr_o = 1'b1;
        b_ev_soft_d = acct_soft;
        b_ev_hard_d = acct_hard;
      end
      bstate_d = b_ev_any ? BEvSeq : BOutWait;
    end
    if (cpl_ask) begin
      // The output is answered: its error becomes the status of an OK packet (one that ended
      // REPLAY at the commit stays REPLAY: the model never wrote its output); then the
      // completion write.
      if (r_out_err_q[bi] && acct_status == StatusOk) begin
        b_status_d = StatusDmaError;
        b_out_len_d = 16'd0;
      end
      if (!eng_live_i) begin
        release_o = 1'b1;  // the queue was reset meanwhile: nothing to complete into
        b_done = 1'b1;
      end else begin
        // B is done with the record once the completion write is asked for; its answer comes
        // on ans_* (the record stays held until then).
        stat_valid_o = b_acc;
        b_done = b_acc;
        bstate_d = BCpl;
      end
    end
    if (b_done) bstate_d = BIdle;
    // A failed completion write: QUEUE_ERROR at its answer (B's events wait this clock).
    if (ans_fail) begin
      ev_push_o = ans_live_i;
      ev_type_o = EventQueueError;
      ev_slot_o = {13'd0, ans_rec.q};
    end
  end

  // ------------------------------------------------------------------------------- outputs
  assign wr_req_addr_o = b_req ? cpl_addr_i : q_rec.out_addr;
  assign wr_req_len_o = b_req ? 16'd16 : r_out_len_q[qi];
  assign wr_data_valid_o = (d_head_a && s_has && r_write_q[si] && out_valid_i &&
                            s_left != 10'd0) || d_head_b;
  always_comb begin
    wr_data_o = out_data_i;
    if (d_head_b) begin
      wr_data_o = '0;
      wr_data_o[DataW-1 -: 128] = dq_beat_q[dq_rp_q[1:0]];  // the 16-byte entry: bytes 0..15
    end
  end

  assign eng_q_o = b_rec.q;
  assign eng_epoch_o = b_rec.epoch;
  assign stat_status_o = b_status_d;  // with stat_valid_o: the final status
  assign stat_encap_ok_o = b_status_d == StatusOk && b_rec.encap_op;
  assign stat_decap_ok_o = b_status_d == StatusOk && !b_rec.encap_op;
  assign rp_cmt_valid_o = bstate_q == BCmt;
  assign rp_cmt_slot_o = b_rec.slot[SlotW-1:0];
  assign rp_cmt_seq_o = b_rec.seq;
  assign idle_o = cnt == '0 && bstate_q == BIdle;

  logic d_pop;  // the W data of the oldest request is all out
  assign d_pop = wr_data_valid_o && wr_data_ready_i && (d_head_b || s_left == 10'd1);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int i = 0; i < int'(Recs); i++) begin
        r_q[i] <= '0;
        rl_q[i] <= '0;
        rs_q[i] <= sa_state_empty();
        rp_q[i] <= sa_state_empty();
        r_post_ok_q[i] <= 1'b0;
        r_out_len_q[i] <= 16'd0;
        r_drop_q[i] <= 1'b0;
        r_cmt_q[i] <= 1'b0;
        r_res_q[i] <= 1'b0;
        r_beats_q[i] <= 10'd0;
        r_write_q[i] <= 1'b0;
        r_out_pend_q[i] <= 1'b0;
        r_out_err_q[i] <= 1'b0;
        r_cpend_q[i] <= 1'b0;
      end
      hz_v_q <= '0;
      for (int i = 0; i < int'(Recs); i++) hz_slot_q[i] <= '0;
      wp_q <= '0;
      cp_q <= '0;
      ap_q <= '0;
      qp_q <= '0;
      sp_q <= '0;
      bp_q <= '0;
      for (int i = 0; i < int'(WrTags); i++) begin
        tag_cpl_q[i] <= 1'b0;
        tag_idx_q[i] <= '0;
      end
      tag_wp_q <= 4'd0;
      tag_rp_q <= 4'd0;
      for (int i = 0; i < 4; i++) begin
        dq_cpl_q[i] <= 1'b0;
        dq_beat_q[i] <= '0;
      end
      dq_wp_q <= 3'd0;
      dq_rp_q <= 3'd0;
      da_cnt_q <= 2'd0;
      s_started_q <= 1'b0;
      s_left_q <= 10'd0;
      bstate_q <= BIdle;
      b_status_q <= 4'd0;
      b_out_len_q <= 16'd0;
      b_ev_soft_q <= 1'b0;
      b_ev_hard_q <= 1'b0;
      b_wr_q <= 1'b0;
      b_wr2_q <= 1'b0;
      lw_q <= 1'b0;
      lw_slot_q <= '0;
      qpend_q <= 8'd0;
      flush_q <= 8'd0;
      for (int q = 0; q < 8; q++) flush_epoch_q[q] <= 4'd0;
    end else begin
      // Records.
      if (hand_i) begin
        r_q[wi] <= hand_rec_i;
        rl_q[wi] <= '{soft_bytes: hand_cfg_i.soft_bytes, hard_bytes: hand_cfg_i.hard_bytes,
                      soft_pkts: hand_cfg_i.soft_pkts, hard_pkts: hand_cfg_i.hard_pkts};
        rs_q[wi] <= hand_st_i;
        rp_q[wi] <= hand_post_i;
        r_post_ok_q[wi] <= hand_post_ok_i;
        r_out_len_q[wi] <= 16'd0;
        r_drop_q[wi] <= 1'b0;
        r_cmt_q[wi] <= 1'b0;
        r_res_q[wi] <= !(hand_rec_i.kind == KPacket && hand_rec_i.lane);
        r_beats_q[wi] <= 10'd0;
        r_write_q[wi] <= 1'b0;
        r_out_pend_q[wi] <= 1'b0;
        r_out_err_q[wi] <= 1'b0;
        r_cpend_q[wi] <= 1'b0;
        wp_q <= wp_q + 1'b1;
        hz_slot_q[wi] <= hand_rec_i.slot[SlotW-1:0];
      end
      // hz_v_q: from the hand-on until B is done with the record (wi != bi when both happen).
      if (b_done) hz_v_q[bi] <= 1'b0;
      if (hand_i) hz_v_q[wi] <= hand_rec_i.kind == KPacket && hand_rec_i.acct;
      if (a_take) begin
        r_q[ai].status <= res_i.status;
        if (a_rec.decap) r_q[ai].bytes <= {50'd0, res_i.inner_len};  // as device_model.cc
        r_out_len_q[ai] <= a_out_len_new;
        r_drop_q[ai] <= a_drop_new;
        r_cmt_q[ai] <= a_cmt_new;
        r_res_q[ai] <= 1'b1;
        r_out_pend_q[ai] <= a_write_new;
        r_beats_q[ai] <= 10'((32'(res_i.out_len) + BB - 1) / BB);
        r_write_q[ai] <= a_write_new;
      end
      if (done_out) begin
        r_out_pend_q[tag_idx_q[tag_rp_q[2:0]]] <= 1'b0;
        r_out_err_q[tag_idx_q[tag_rp_q[2:0]]] <= wr_err_i;
      end
      if (q_skip) begin
        r_write_q[qi] <= 1'b0;
        r_out_pend_q[qi] <= 1'b0;
        r_drop_q[qi] <= 1'b1;
      end
      if (a_adv) ap_q <= ap_q + 1'b1;
      if (q_adv) qp_q <= qp_q + 1'b1;
      if (s_adv) sp_q <= sp_q + 1'b1;
      if (b_done) bp_q <= bp_q + 1'b1;
      // Completions: pending from the request to the answer, per record and per queue; the
      // oldest record leaves once B is done with it and it has no completion pending.
      if (done_cpl) begin
        r_cpend_q[ans_i] <= 1'b0;
        qpend_q[ans_rec.q] <= 1'b0;
      end
      if (b_acc) begin
        r_cpend_q[bi] <= 1'b1;
        qpend_q[b_rec.q] <= 1'b1;
      end
      if (cp_q != bp_q && !r_cpend_q[ci]) cp_q <= cp_q + 1'b1;
      // Writes in flight.
      if (a_acc || b_acc) begin
        tag_cpl_q[tag_wp_q[2:0]] <= b_acc;
        tag_idx_q[tag_wp_q[2:0]] <= b_acc ? bi : qi;
        tag_wp_q <= tag_wp_q + 4'd1;
        dq_cpl_q[dq_wp_q[1:0]] <= b_acc;
        if (b_acc) dq_beat_q[dq_wp_q[1:0]] <= cpl_beat;
        dq_wp_q <= dq_wp_q + 3'd1;
      end
      if (wr_done_i) tag_rp_q <= tag_rp_q + 4'd1;
      if (d_pop) dq_rp_q <= dq_rp_q + 3'd1;
      // Stages.
      da_cnt_q <= da_cnt_q + {1'b0, a_acc} - {1'b0, d_pop && d_head_a};
      if (s_adv) begin
        s_started_q <= 1'b0;
      end else if (s_beat) begin
        s_started_q <= 1'b1;
        s_left_q <= s_left - 10'd1;
      end
      bstate_q <= bstate_d;
      b_status_q <= b_status_d;
      b_out_len_q <= b_out_len_d;
      b_ev_soft_q <= b_ev_soft_d;
      b_ev_hard_q <= b_ev_hard_d;
      if (b_done) begin
        b_wr_q <= 1'b0;
        b_wr2_q <= 1'b0;
      end else begin
        if (sa_wr_o) b_wr_q <= 1'b1;
        b_wr2_q <= b_wr_q;
      end
      lw_q <= sa_wr_o;
      lw_slot_q <= sa_wr_slot_o;
      // A completion write failed: the queue's packets fetched meanwhile are dropped. The queue
      // is stopped, so its next successful fetch comes after a re-enable and ends the drop.
      if (fetch_ok_i) flush_q[f_q_i] <= 1'b0;
      if (stop_o) begin
        flush_q[b_rec.q] <= 1'b1;
        flush_epoch_q[b_rec.q] <= b_rec.epoch;
      end
      if (ans_stop_o) begin
        flush_q[ans_rec.q] <= 1'b1;
        flush_epoch_q[ans_rec.q] <= ans_rec.epoch;
      end
    end
  end

  `ASSERT_INIT(SlotsLegal_A, Slots >= 4 && (Slots & (Slots - 1)) == 0)
  `ASSERT_INIT(RecsLegal_A, Recs >= 8 && (Recs & (Recs - 1)) == 0)
  `ASSERT_INIT(DataWLegal_A, DataW == 128 || DataW == 256 || DataW == 512 || DataW == 1024)
  `ASSERT(HandOnlyWhenFree_A, hand_i |-> rec_ready_o)
  `ASSERT(StagesInOrder_A,
          ptr_t'(ap_q - bp_q) <= bcnt && ptr_t'(qp_q - bp_q) <= ptr_t'(ap_q - bp_q) &&
          ptr_t'(sp_q - bp_q) <= ptr_t'(qp_q - bp_q) &&
          ptr_t'(bp_q - cp_q) <= cnt)
  `ASSERT(DoneOnlyHeld_A, b_done |-> b_has)
  // The front's state after a packet it may have forwarded is the one B writes.
  logic b_post_ok, b_post_same;
  assign b_post_ok = r_post_ok_q[bi];
  assign b_post_same = acct_st == rp_q[bi];
  `ASSERT(PostAgrees_A, sa_wr_o && b_post_ok |-> b_post_same)
  `ASSERT(AOnlyHeld_A, a_adv |-> a_has)
  `ASSERT(TagsBound_A, a_acc || b_acc |-> 4'(tag_wp_q - tag_rp_q) != 4'(WrTags))
  `ASSERT(DataBound_A, a_acc || b_acc |-> dq_wp_q - dq_rp_q != 3'd4)
  `ASSERT(DoneExpected_A, wr_done_i |-> tag_wp_q != tag_rp_q)
  // One completion write per queue in flight, answered for a record still held.
  `ASSERT(OnePerQueue_A, b_acc |-> !qpend_q[b_rec.q])
  logic ans_held, ans_qpend;
  assign ans_held = r_cpend_q[ans_i];
  assign ans_qpend = qpend_q[ans_q_o];
  `ASSERT(AnsHeld_A, done_cpl |-> ans_held && ans_qpend)
  `ASSERT(StopsOnTwoQueues_A, stop_o && ans_stop_o |-> b_rec.q != ans_rec.q)
  `ASSERT(OutLastAgrees_A, s_beat |-> out_last_i == (s_left == 10'd1))

endmodule
