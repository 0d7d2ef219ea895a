// esp_back: the packet engine's back (part of esp_engine; doc: rtl/doc/esp_engine.md). One
// record from the front at a time, in fetch order: the lane's result, the replay commit when
// the ICV verified (a refused commit -> REPLAY), the per-SA accounting (lifetimes, counters:
// the only SA state write of the device), events (SEQ_OVERFLOW, SOFT, HARD in the model's
// order), the output DMA (error -> DMA_ERROR), STAT_* and the completion (Account and Process
// in hw/model/device_model.cc). A record of a queue that was reset (epoch) or whose completion
// write failed after the fetch is dropped without any effect (its lane output drained), as the
// model would never have fetched it; a failed descriptor read becomes the QUEUE_ERROR event
// at its place in order.
//
// Byte order: the lane's output and the DMA write data have byte 0 in [127:120]; the
// completion beat is the 16-byte CQ entry of hw/regmap.toml (cookie, out_len, status, phase,
// seq; little-endian fields), byte 0 in [127:120].
module esp_back
  import ipsec_reg_pkg::*;
  import esp_sa_pkg::*;
  import esp_lane_pkg::*;
  import esp_engine_pkg::*;
#(
  parameter int unsigned Slots = 1024,
  localparam int unsigned SlotW = $clog2(Slots)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // The front's record.
  input  logic              hand_i,
  input  back_t             hand_rec_i,
  input  sa_cfg_t           hand_cfg_i,
  input  sa_state_t         hand_st_i,
  output logic              rec_ready_o,      // room for a record (hand_i allowed)
  input  logic [SlotW-1:0]  f_slot_i,         // the front's SA slot ...
  output logic              haz_o,            // ... has a packet here not yet done
  output logic              busy_o,           // a record is held
  // Fetcher reports (a successful fetch ends a queue's drop).
  input  logic [2:0]        f_q_i,
  input  logic              fetch_ok_i,
  // Queues.
  output logic [2:0]        eng_q_o,          // the back's queue and epoch
  output logic [3:0]        eng_epoch_o,
  output logic              stop_o,
  output logic              cpl_done_o,
  output logic              release_o,        // done with a fetched packet
  input  logic              eng_live_i,
  input  logic [63:0]       cpl_addr_i,
  input  logic              cpl_phase_i,
  // DMA master, write side.
  output logic              wr_req_valid_o,
  input  logic              wr_req_ready_i,
  output logic [63:0]       wr_req_addr_o,
  output logic [15:0]       wr_req_len_o,
  output logic              wr_data_valid_o,
  input  logic              wr_data_ready_i,
  output logic [127:0]      wr_data_o,
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
  input  logic [127:0]      out_data_i,
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

  typedef enum logic [3:0] {
    BIdle,
    BRes,
    BCmt,
    BCmtWait,
    BAcct,
    BEvSeq,
    BEvSoft,
    BEvHard,
    BOut,
    BOutWait,
    BCpl,
    BCplWait
  } bstate_e;
  bstate_e      bstate_q, bstate_d;
  back_t        b_q, b_d;            // the record being processed
  logic         b_valid_q;
  sa_cfg_t      b_cfg_q;             // the SA's limits, with its state
  sa_state_t    b_st_q, b_st_d;
  back_t        n_q;                 // the next record, handed on while b_q is processed
  logic         n_valid_q;
  sa_cfg_t      n_cfg_q;
  sa_state_t    n_st_q;
  logic         b_load;              // n_q moves to b_q this clock
  logic         b_done;              // the back finishes its record this clock
  logic         b_drop_q, b_drop_d;  // fetched behind a reset or a completion error: no effect
  logic         b_ev_soft_q, b_ev_soft_d, b_ev_hard_q, b_ev_hard_d;
  logic [3:0]   b_status_q, b_status_d;  // the final status (REPLAY, DMA_ERROR)
  logic [15:0]  b_out_len_q, b_out_len_d;
  lane_result_t res_q, res_d;
  logic         write_out_q, write_out_d;  // output beats go to DMA (else drained)
  logic [9:0]   out_left_q, out_left_d;    // output beats still to come from the lane
  logic         dma_err_q, dma_err_d;
  // Queues whose completion write failed (in this epoch): their fetched packets are dropped.
  logic [7:0]   flush_q;
  logic [3:0]   flush_epoch_q [8];
  logic         b_flushed;
  assign b_flushed = !eng_live_i || (flush_q[b_q.q] && flush_epoch_q[b_q.q] == b_q.epoch);

  // The front must not use an SA's state while a packet accounted to it is here and BAcct has
  // not written it yet (the replay commit comes before BAcct too). b_wr2_q: the write is at
  // least two clocks old, so an SA read the front made in the previous clock saw it.
  logic b_wr_q, b_wr2_q;
  assign rec_ready_o = !n_valid_q;
  assign haz_o = (b_valid_q && b_q.kind == KPacket && b_q.acct && !b_wr2_q &&
                  b_q.slot[SlotW-1:0] == f_slot_i) ||
                 (n_valid_q && n_q.kind == KPacket && n_q.acct &&
                  n_q.slot[SlotW-1:0] == f_slot_i);
  assign busy_o = b_valid_q || n_valid_q;
  assign b_load = n_valid_q && (!b_valid_q || b_done);
  logic unused_b_cfg;
  assign unused_b_cfg = ^{b_cfg_q.dir_in, b_cfg_q.aes256, b_cfg_q.tunnel, b_cfg_q.natt,
                          b_cfg_q.esn, b_cfg_q.icv, b_cfg_q.spi, b_cfg_q.salt, b_cfg_q.tun_src,
                          b_cfg_q.tun_dst, b_cfg_q.sport, b_cfg_q.dport, b_cfg_q.window,
                          res_q.status, res_q.icv_ok, res_q.inner_len};

  // Account (device_model.cc): the state after the back's packet.
  sa_state_t acct_st;
  logic acct_soft, acct_hard;
  always_comb begin
    acct_st = b_st_q;
    acct_soft = 1'b0;
    acct_hard = 1'b0;
    unique case (b_status_q)
      StatusOk: begin
        acct_st.pkts = b_st_q.pkts + 64'd1;
        acct_st.bytes = b_st_q.bytes + b_q.bytes;
        if (!b_st_q.soft_hit &&
            ((b_cfg_q.soft_pkts != 64'd0 && acct_st.pkts >= b_cfg_q.soft_pkts) ||
             (b_cfg_q.soft_bytes != 64'd0 && acct_st.bytes >= b_cfg_q.soft_bytes))) begin
          acct_st.soft_hit = 1'b1;
          acct_soft = 1'b1;
        end
        if (!b_st_q.hard_hit &&
            ((b_cfg_q.hard_pkts != 64'd0 && acct_st.pkts >= b_cfg_q.hard_pkts) ||
             (b_cfg_q.hard_bytes != 64'd0 && acct_st.bytes >= b_cfg_q.hard_bytes))) begin
          acct_st.hard_hit = 1'b1;
          acct_hard = 1'b1;
        end
      end
      StatusReplay: acct_st.replay = b_st_q.replay + 32'd1;
      StatusAuthFail: acct_st.auth_fail = b_st_q.auth_fail + 32'd1;
      default: acct_st.other_drops = b_st_q.other_drops + 32'd1;
    endcase
  end

  // The completion entry.
  logic [127:0] cpl_beat;
  always_comb begin
    logic [7:0] b [16];
    for (int i = 0; i < 4; i++) b[i] = b_q.cookie[8 * i +: 8];
    b[4] = b_out_len_q[7:0];
    b[5] = b_out_len_q[15:8];
    b[6] = {4'd0, b_status_q};
    b[7] = {7'd0, cpl_phase_i};
    for (int i = 0; i < 8; i++) b[8 + i] = b_q.seq[8 * i +: 8];
    for (int i = 0; i < 16; i++) cpl_beat[127 - 8 * i -: 8] = b[i];
  end

  logic take_res, take_drop;  // the lane's result is taken this clock (BRes, or BIdle)
  logic cpl_req;              // the completion is requested this clock (BCpl, or BOutWait)
  always_comb begin
    bstate_d = bstate_q;
    b_drop_d = b_drop_q;
    b_st_d = b_st_q;
    b_status_d = b_status_q;
    b_out_len_d = b_out_len_q;
    b_ev_soft_d = b_ev_soft_q;
    b_ev_hard_d = b_ev_hard_q;
    res_d = res_q;
    write_out_d = write_out_q;
    out_left_d = out_left_q;
    dma_err_d = dma_err_q;
    b_done = 1'b0;
    take_res = 1'b0;
    take_drop = 1'b0;
    cpl_req = 1'b0;
    wr_req_valid_o = 1'b0;
    wr_req_addr_o = b_q.out_addr;
    wr_req_len_o = {2'd0, res_q.out_len};
    sa_wr_o = 1'b0;
    sa_wr_slot_o = b_q.slot[SlotW-1:0];
    sa_wr_st_o = acct_st;
    release_o = 1'b0;
    stop_o = 1'b0;
    cpl_done_o = 1'b0;
    ev_push_o = 1'b0;
    ev_type_o = EventNone;
    ev_slot_o = b_q.slot;
    stat_valid_o = 1'b0;
    cpl_valid_o = 1'b0;
    unique case (bstate_q)
      BIdle: begin
        b_status_d = b_q.status;
        b_out_len_d = 16'd0;
        b_ev_soft_d = 1'b0;
        b_ev_hard_d = 1'b0;
        dma_err_d = 1'b0;
        out_left_d = 10'd0;
        b_drop_d = b_flushed;
        if (b_valid_q) begin
          if (b_q.kind == KFetchErr) begin
            // Q_STATUS.STOPPED becomes visible with the event (the fetcher stopped already).
            stop_o = 1'b1;
            ev_push_o = eng_live_i;
            ev_type_o = EventQueueError;
            ev_slot_o = {13'd0, b_q.q};
            b_done = 1'b1;  // never counted in flight: no release
          end else if (b_q.lane) begin
            bstate_d = BRes;
            take_res = res_valid_i;  // the result is there: BRes's work now
            take_drop = b_flushed;
          end else if (b_flushed) begin
            release_o = 1'b1;  // as if never fetched
            b_done = 1'b1;
          end else begin
            bstate_d = BAcct;
          end
        end
      end
      BRes: begin
        take_res = res_valid_i;
        take_drop = b_drop_q;
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
      BAcct: begin
        // b_q.bytes: decap bytes as device_model.cc counts them (from the lane); encap: from
        // the front.
        if (b_q.acct) begin
          sa_wr_o = 1'b1;
          b_st_d = acct_st;
          b_ev_soft_d = acct_soft;
          b_ev_hard_d = acct_hard;
        end
        if (b_q.ev_seq || (b_q.acct && (acct_soft || acct_hard))) begin
          bstate_d = BEvSeq;
        end else begin
          // No event: straight to the output (BOut's request made here).
          write_out_d = b_status_q == StatusOk && b_out_len_q != 16'd0;
          wr_req_valid_o = write_out_d;
          bstate_d = (write_out_d && !wr_req_ready_i) ? BOut : BOutWait;
        end
      end
      BEvSeq: begin
        if (b_q.ev_seq) begin
          ev_push_o = 1'b1;
          ev_type_o = EventSeqOverflow;
        end
        bstate_d = BEvSoft;
      end
      BEvSoft: begin
        if (b_ev_soft_q) begin
          ev_push_o = 1'b1;
          ev_type_o = EventSoftLifetime;
        end
        bstate_d = BEvHard;
      end
      BEvHard: begin
        if (b_ev_hard_q) begin
          ev_push_o = 1'b1;
          ev_type_o = EventHardLifetime;
        end
        write_out_d = b_status_q == StatusOk && b_out_len_q != 16'd0;
        bstate_d = BOut;
      end
      BOut: begin
        // Output: to host memory when OK, else the lane's beats (if any) are drained.
        if (write_out_q) begin
          wr_req_valid_o = 1'b1;
          if (wr_req_ready_i) bstate_d = BOutWait;
        end else begin
          bstate_d = BOutWait;
        end
      end
      BOutWait: begin
        if (out_valid_i && out_ready_o) out_left_d = out_left_q - 10'd1;
        if (wr_done_i) begin
          write_out_d = 1'b0;
          dma_err_d = wr_err_i;
        end
        if ((!write_out_q || wr_done_i) && out_left_q == 10'd0) begin
          if (dma_err_d) begin
            b_status_d = StatusDmaError;
            b_out_len_d = 16'd0;
          end
          if (b_drop_q) begin
            release_o = 1'b1;
            b_done = 1'b1;
            bstate_d = BIdle;
          end else begin
            bstate_d = BCpl;
            cpl_req = 1'b1;  // BCpl's work in this clock already
          end
        end
      end
      BCpl: cpl_req = 1'b1;
      BCplWait: begin
        if (wr_done_i) begin
          if (wr_err_i) begin
            stop_o = 1'b1;
            ev_push_o = eng_live_i;
            ev_type_o = EventQueueError;
            ev_slot_o = {13'd0, b_q.q};
          end else begin
            cpl_done_o = 1'b1;
            cpl_valid_o = eng_live_i;
          end
          release_o = 1'b1;
          b_done = 1'b1;
          bstate_d = BIdle;
        end
      end
      default: bstate_d = BIdle;
    endcase
    if (cpl_req) begin
      // The completion write (status final: b_status_d).
      if (!eng_live_i) begin
        release_o = 1'b1;  // the queue was reset meanwhile: nothing to complete into
        b_done = 1'b1;
        bstate_d = BIdle;
      end else begin
        wr_req_valid_o = 1'b1;
        wr_req_addr_o = cpl_addr_i;
        wr_req_len_o = 16'd16;
        if (wr_req_ready_i) bstate_d = BCplWait;
        stat_valid_o = wr_req_ready_i;
      end
    end
    if (take_res) begin
      // Status, output length; on to the replay commit, the accounting or (dropped) the drain.
      res_d = res_i;
      b_status_d = res_i.status;
      if (res_i.status == StatusOk) b_out_len_d = {2'd0, res_i.out_len};
      out_left_d = 10'((({2'd0, res_i.out_len}) + 16'd15) >> 4);
      if (take_drop) begin
        write_out_d = 1'b0;
        bstate_d = BOutWait;  // drain the lane's output, then nothing
      end else if (b_q.decap && res_i.icv_ok && res_i.status != StatusAuthFail &&
                   res_i.status != StatusNoSpace) begin
        bstate_d = BCmt;
      end else begin
        bstate_d = BAcct;
      end
    end
  end

  // The record: loaded from the front, freed when done; decap bytes from the lane's result.
  always_comb begin
    b_d = b_q;
    if (b_load) begin
      b_d = n_q;
    end else if (res_valid_i && res_ready_o && b_q.decap) begin
      b_d.bytes = {50'd0, res_i.inner_len};  // decap bytes as device_model.cc counts them
    end
  end

  // Lane output: to the DMA write (OK packets) or drained; the completion beat after it.
  // Kept out of the FSM's block: it must not depend on its inputs from the lane.
  assign res_ready_o = bstate_q == BRes ||
                       (bstate_q == BIdle && b_valid_q && b_q.kind == KPacket && b_q.lane);
  assign out_ready_o = bstate_q == BOutWait && out_left_q != 10'd0 &&
                       (!write_out_q || wr_data_ready_i);
  assign wr_data_valid_o = (bstate_q == BOutWait && write_out_q && out_valid_i &&
                            out_left_q != 10'd0) || bstate_q == BCplWait;
  assign wr_data_o = (bstate_q == BCplWait) ? cpl_beat : out_data_i;

  assign eng_q_o = b_q.q;
  assign eng_epoch_o = b_q.epoch;
  assign cpl_q_o = b_q.q;
  assign cpl_force_o = b_q.irq;
  assign stat_status_o = b_status_d;  // with stat_valid_o: the final status
  assign stat_encap_ok_o = b_status_d == StatusOk && b_q.encap_op;
  assign stat_decap_ok_o = b_status_d == StatusOk && !b_q.encap_op;
  assign rp_cmt_valid_o = bstate_q == BCmt;
  assign rp_cmt_slot_o = b_q.slot[SlotW-1:0];
  assign rp_cmt_seq_o = b_q.seq;
  assign idle_o = bstate_q == BIdle && !b_valid_q && !n_valid_q;
  assign lane_busy_o = bstate_q == BRes;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bstate_q <= BIdle;
      b_q <= '0;
      b_valid_q <= 1'b0;
      b_cfg_q <= '0;
      b_st_q <= sa_state_empty();
      n_q <= '0;
      n_valid_q <= 1'b0;
      b_wr_q <= 1'b0;
      b_wr2_q <= 1'b0;
      n_cfg_q <= '0;
      n_st_q <= sa_state_empty();
      b_drop_q <= 1'b0;
      b_status_q <= 4'd0;
      b_out_len_q <= 16'd0;
      b_ev_soft_q <= 1'b0;
      b_ev_hard_q <= 1'b0;
      res_q <= '0;
      write_out_q <= 1'b0;
      out_left_q <= 10'd0;
      dma_err_q <= 1'b0;
      flush_q <= 8'd0;
      for (int q = 0; q < 8; q++) flush_epoch_q[q] <= 4'd0;
    end else begin
      bstate_q <= bstate_d;
      b_q <= b_d;
      if (hand_i) begin
        n_q <= hand_rec_i;
        n_cfg_q <= hand_cfg_i;
        n_st_q <= hand_st_i;
      end
      if (hand_i) begin
        n_valid_q <= 1'b1;
      end else if (b_load) begin
        n_valid_q <= 1'b0;
      end
      if (b_load) begin
        b_wr_q <= 1'b0;
        b_wr2_q <= 1'b0;
      end else begin
        if (sa_wr_o) b_wr_q <= 1'b1;
        b_wr2_q <= b_wr_q;
      end
      if (b_load) begin
        b_valid_q <= 1'b1;
        b_cfg_q <= n_cfg_q;
        b_st_q <= n_st_q;
      end else begin
        if (b_done) b_valid_q <= 1'b0;
        b_st_q <= b_st_d;
      end
      b_drop_q <= b_drop_d;
      b_status_q <= b_status_d;
      b_out_len_q <= b_out_len_d;
      b_ev_soft_q <= b_ev_soft_d;
      b_ev_hard_q <= b_ev_hard_d;
      res_q <= res_d;
      write_out_q <= write_out_d;
      out_left_q <= out_left_d;
      dma_err_q <= dma_err_d;
      // A completion write failed: the queue's packets fetched meanwhile are dropped. The queue
      // is stopped, so its next successful fetch comes after a re-enable and ends the drop.
      if (fetch_ok_i) flush_q[f_q_i] <= 1'b0;
      if (stop_o) begin
        flush_q[b_q.q] <= 1'b1;
        flush_epoch_q[b_q.q] <= b_q.epoch;
      end
    end
  end

  `ASSERT_INIT(SlotsLegal_A, Slots >= 4 && (Slots & (Slots - 1)) == 0)
  `ASSERT(HandOnlyWhenFree_A, hand_i |-> !n_valid_q)
  `ASSERT(DoneOnlyHeld_A, b_done |-> b_valid_q)
  `ASSERT(OutOnlyWhenExpected_A, out_valid_i && out_ready_o |-> out_left_q != 10'd0)
  `ASSERT(OutLastAgrees_A, out_valid_i && out_ready_o |-> out_last_i == (out_left_q == 10'd1))

endmodule
