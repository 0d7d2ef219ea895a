// esp_fetch: the packet engine's fetcher and feeder (part of esp_engine; doc:
// rtl/doc/esp_engine.md). Two slots, each with a descriptor, a packet buffer and a header
// register (the packet's first HdrBeats beats, for the front's classifier). The fetcher takes
// the queue dma_queues offers, reads the 32-byte descriptor, checks it (BAD_DESCRIPTOR, then
// MALFORMED for oversize; Execute in hw/model/device_model.cc) and requests the packet into
// the slot (a bus error -> DMA_ERROR); a failed descriptor read stops the queue at once and
// marks the slot PreFetchErr. While a packet's data is on its way the next descriptor is
// already requested for the other slot (the DMA master returns them in request order). The front takes the slots in fetch order (s_*_o, hand_i); the
// feeder sends a job's input beats from the front's slot to the lane (feed_start_i), and the
// slot is refilled once it was handed on and its last beat was sent.
//
// Byte order: every bus has byte 0 in [127:120] (descriptor: byte 0 in [255:248]). The packet
// buffer holds the packet as read (EXPLICIT_IV bytes included).
module esp_fetch
  import ipsec_reg_pkg::*;
  import esp_lane_pkg::*;
  import esp_engine_pkg::*;
#(
  parameter int unsigned Slots = 1024,
  parameter int unsigned HdrBeats = 6,
  localparam int unsigned HdrW = 8 * 16 * HdrBeats
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              enable_i,
  // Queues.
  input  logic              pick_valid_i,
  input  logic [2:0]        pick_q_i,
  input  logic [63:0]       pick_desc_addr_i,
  input  logic [3:0]        pick_epoch_i,
  output logic [2:0]        f_q_o,            // the fetcher's queue and epoch
  output logic [3:0]        f_epoch_o,
  output logic              fetch_ok_o,       // descriptor read (SQ_HEAD + 1)
  output logic              f_stop_o,         // descriptor read failed
  // DMA master, read side.
  output logic              rd_req_valid_o,
  input  logic              rd_req_ready_i,
  output logic [63:0]       rd_req_addr_o,
  output logic [15:0]       rd_req_len_o,
  input  logic              rd_valid_i,
  input  logic [127:0]      rd_data_i,
  input  logic              rd_last_i,
  input  logic              rd_err_i,
  // The front's slot (the oldest filled one).
  output logic              s_valid_o,
  output pre_e              s_pre_o,
  output logic [3:0]        s_pre_st_o,
  output logic [255:0]      s_desc_o,
  output logic [HdrW-1:0]   s_hdr_o,
  output logic [2:0]        s_q_o,
  output logic [3:0]        s_epoch_o,
  input  logic              hand_i,           // the front is done with its slot
  // Feeder: the front's slot's first feed_len_i bytes to the lane.
  input  logic              feed_start_i,
  input  logic [LenW-1:0]   feed_len_i,
  output logic              feed_busy_o,
  output logic              in_valid_o,
  input  logic              in_ready_i,
  output logic [127:0]      in_data_o,
  output logic [15:0]       in_keep_o,
  output logic              in_last_o,
  // Status.
  output logic              idle_o,
  output logic              busy_o
);
  `include "prim_assert.svh"

  localparam int unsigned PbufBeats = 578;  // ceil((MAX_PACKET + 8) / 16) + 1

  // Slots, filled by the fetcher, emptied by the front and the feeder.
  logic [127:0]    pbuf_q [2 * PbufBeats];
  logic [HdrW-1:0] shdr_q [2];
  logic [255:0]    sdesc_q [2];
  pre_e            spre_q [2];
  logic [3:0]      spre_st_q [2];
  logic [2:0]      sq_q [2];
  logic [3:0]      sepoch_q [2];
  logic [1:0]      svalid_q;  // filled, not yet handed on by the front
  logic [1:0]      sfeed_q;   // the feeder reads the slot's packet buffer
  logic            f_slot_q, p_slot_q;
  // The packet read in flight (its beats come before those of a later descriptor read).
  logic            pk_pend_q, pk_slot_q;
  logic [9:0]      pk_beat_q;
  logic            pk_beat, pk_fill;

  assign s_valid_o = svalid_q[p_slot_q];
  assign s_pre_o = spre_q[p_slot_q];
  assign s_pre_st_o = spre_st_q[p_slot_q];
  assign s_desc_o = sdesc_q[p_slot_q];
  assign s_hdr_o = shdr_q[p_slot_q];
  assign s_q_o = sq_q[p_slot_q];
  assign s_epoch_o = sepoch_q[p_slot_q];

  // ---------------------------------------------------------------------------- feeder
  logic       feed_slot_q;
  logic [9:0] feed_idx_q, feed_left_q, feed_idx_d, feed_left_d;
  logic [15:0] feed_rem_q, feed_rem_d;  // bytes left to feed
  logic       feed_last;
  assign in_valid_o = feed_left_q != 10'd0;
  assign in_data_o = pbuf_q[(feed_slot_q ? 11'(PbufBeats) : 11'd0) + {1'b0, feed_idx_q}];
  assign in_last_o = feed_left_q == 10'd1;
  assign in_keep_o = (feed_rem_q >= 16'd16) ? 16'hffff : ~(16'hffff >> feed_rem_q[3:0]);
  assign feed_last = in_valid_o && in_ready_i && feed_left_q == 10'd1;
  assign feed_busy_o = feed_left_q != 10'd0;

  always_comb begin
    feed_idx_d = feed_idx_q;
    feed_left_d = feed_left_q;
    feed_rem_d = feed_rem_q;
    if (feed_start_i) begin
      feed_idx_d = 10'd0;
      feed_left_d = 10'((({2'd0, feed_len_i}) + 16'd15) >> 4);
      feed_rem_d = {2'd0, feed_len_i};
    end else if (in_valid_o && in_ready_i) begin
      feed_idx_d = feed_idx_q + 10'd1;
      feed_left_d = feed_left_q - 10'd1;
      feed_rem_d = feed_rem_q - 16'd16;
    end
  end

  // -------------------------------------------------------------------------- fetcher
  // Descriptor checks (Execute in device_model.cc): BAD_DESCRIPTOR, then MALFORMED for size.
  function automatic logic [3:0] desc_status(logic [255:0] d, int unsigned slots);
    logic [7:0]  op, fl;
    logic [15:0] sa, in_len, iv;
    logic        enc;
    op = desc_byte(d, 0);
    fl = desc_byte(d, 1);
    sa = {desc_byte(d, 3), desc_byte(d, 2)};
    in_len = {desc_byte(d, 25), desc_byte(d, 24)};
    iv = fl[SQ_DESC_FLAGS_EXPLICIT_IV_BIT] ? 16'd8 : 16'd0;
    enc = op == OpcodeEncap;
    if ((!enc && op != OpcodeDecap) || (fl & ~8'h03) != 8'd0 ||
        {desc_byte(d, 31), desc_byte(d, 30), desc_byte(d, 29), desc_byte(d, 28)} != 32'd0 ||
        in_len <= iv || (fl[SQ_DESC_FLAGS_EXPLICIT_IV_BIT] && !enc) ||
        (enc && 32'(sa) >= slots)) begin
      return StatusBadDescriptor;
    end
    if (in_len - iv > 16'(MAX_PACKET)) return StatusMalformed;
    return StatusOk;
  endfunction

  typedef enum logic [1:0] {
    FIdle,
    FDesc,
    FCheck
  } fstate_e;
  fstate_e      f_state_q, f_state_d;
  logic [9:0]   f_beat_q, f_beat_d;
  logic         d_beat;          // a beat of the descriptor read
  logic [2:0]   f_q_q, f_q_d;
  logic [3:0]   f_epoch_q, f_epoch_d;
  logic [255:0] f_desc;          // the fetcher's slot
  logic [3:0]   f_dst;
  logic         f_fill;          // the slot is complete this clock
  pre_e         f_pre;
  logic [3:0]   f_pre_st;
  assign f_desc = sdesc_q[f_slot_q];
  assign f_dst = desc_status(f_desc, Slots);
  assign f_q_o = f_q_q;
  assign f_epoch_o = f_epoch_q;
  assign pk_beat = rd_valid_i && pk_pend_q;
  assign pk_fill = pk_beat && rd_last_i;
  assign d_beat = rd_valid_i && !pk_pend_q && f_state_q == FDesc;

  always_comb begin
    f_state_d = f_state_q;
    f_beat_d = f_beat_q;
    f_q_d = f_q_q;
    f_epoch_d = f_epoch_q;
    f_fill = 1'b0;
    f_pre = PreOk;
    f_pre_st = StatusOk;
    fetch_ok_o = 1'b0;
    f_stop_o = 1'b0;
    rd_req_valid_o = 1'b0;
    rd_req_addr_o = pick_desc_addr_i;
    rd_req_len_o = 16'd32;
    unique case (f_state_q)
      FIdle: begin
        if (pick_valid_i && enable_i && !svalid_q[f_slot_q] && !sfeed_q[f_slot_q] &&
            !(pk_pend_q && pk_slot_q == f_slot_q)) begin
          rd_req_valid_o = 1'b1;
          if (rd_req_ready_i) begin
            f_q_d = pick_q_i;
            f_epoch_d = pick_epoch_i;
            f_beat_d = 10'd0;
            f_state_d = FDesc;
          end
        end
      end
      FDesc: begin
        if (d_beat) begin
          f_beat_d = f_beat_q + 10'd1;
          if (rd_last_i) begin
            if (rd_err_i) begin
              // A ring access failed: no more fetches from the queue (re-enable to recover);
              // the back sets STOPPED and raises QUEUE_ERROR when it reaches this slot.
              f_stop_o = 1'b1;
              f_fill = 1'b1;
              f_pre = PreFetchErr;
              f_state_d = FIdle;
            end else begin
              fetch_ok_o = 1'b1;
              f_state_d = FCheck;
            end
          end
        end
      end
      FCheck: begin
        if (f_dst != StatusOk) begin
          f_fill = 1'b1;
          f_pre = PreStatus;
          f_pre_st = f_dst;
          f_state_d = FIdle;
        end else if (!pk_pend_q) begin
          // The packet read; its beats are taken beside this FSM (pk_*), which goes on.
          rd_req_valid_o = 1'b1;
          for (int i = 0; i < 8; i++) rd_req_addr_o[8 * i +: 8] = desc_byte(f_desc, 8 + i);
          rd_req_len_o = {desc_byte(f_desc, 25), desc_byte(f_desc, 24)};
          if (rd_req_ready_i) f_state_d = FIdle;
        end
      end
      default: f_state_d = FIdle;
    endcase
  end

  assign idle_o = f_state_q == FIdle && !pk_pend_q && svalid_q == 2'b00 && sfeed_q == 2'b00 &&
                  feed_left_q == 10'd0;
  assign busy_o = f_state_q != FIdle || pk_pend_q;

  // Packet buffers: written from the DMA read stream.
  always_ff @(posedge clk_i) begin
    if (pk_beat) begin
      pbuf_q[(pk_slot_q ? 11'(PbufBeats) : 11'd0) + {1'b0, pk_beat_q}] <= rd_data_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_state_q <= FIdle;
      f_beat_q <= 10'd0;
      f_q_q <= 3'd0;
      f_epoch_q <= 4'd0;
      f_slot_q <= 1'b0;
      p_slot_q <= 1'b0;
      pk_pend_q <= 1'b0;
      pk_slot_q <= 1'b0;
      pk_beat_q <= 10'd0;
      svalid_q <= 2'b00;
      sfeed_q <= 2'b00;
      feed_slot_q <= 1'b0;
      feed_idx_q <= 10'd0;
      feed_left_q <= 10'd0;
      feed_rem_q <= 16'd0;
      for (int b = 0; b < 2; b++) begin
        shdr_q[b] <= '0;
        sdesc_q[b] <= 256'd0;
        spre_q[b] <= PreOk;
        spre_st_q[b] <= 4'd0;
        sq_q[b] <= 3'd0;
        sepoch_q[b] <= 4'd0;
      end
    end else begin
      f_state_q <= f_state_d;
      f_beat_q <= f_beat_d;
      f_q_q <= f_q_d;
      f_epoch_q <= f_epoch_d;
      feed_idx_q <= feed_idx_d;
      feed_left_q <= feed_left_d;
      feed_rem_q <= feed_rem_d;
      if (f_state_q == FIdle && f_state_d == FDesc) begin
        sq_q[f_slot_q] <= f_q_d;
        sepoch_q[f_slot_q] <= f_epoch_d;
      end
      if (d_beat) begin
        sdesc_q[f_slot_q] <= f_beat_q[0] ? {sdesc_q[f_slot_q][255:128], rd_data_i}
                                         : {rd_data_i, sdesc_q[f_slot_q][127:0]};
      end
      if (pk_beat && 32'(pk_beat_q) < HdrBeats) begin
        shdr_q[pk_slot_q][HdrW-1 - 128 * 32'(pk_beat_q) -: 128] <= rd_data_i;
      end
      // The slot's outcome is known: without a packet read (fill now) or with one (filled
      // when its last beat is in); either way the next descriptor goes to the other slot.
      if (f_fill) begin
        spre_q[f_slot_q] <= f_pre;
        spre_st_q[f_slot_q] <= f_pre_st;
        svalid_q[f_slot_q] <= 1'b1;
        f_slot_q <= !f_slot_q;
      end
      if (f_state_q == FCheck && rd_req_valid_o && rd_req_ready_i) begin
        pk_pend_q <= 1'b1;
        pk_slot_q <= f_slot_q;
        pk_beat_q <= 10'd0;
        f_slot_q <= !f_slot_q;
      end
      if (pk_beat) pk_beat_q <= pk_beat_q + 10'd1;
      if (pk_fill) begin
        pk_pend_q <= 1'b0;
        spre_q[pk_slot_q] <= rd_err_i ? PreStatus : PreOk;
        spre_st_q[pk_slot_q] <= rd_err_i ? StatusDmaError : StatusOk;
        svalid_q[pk_slot_q] <= 1'b1;
      end
      // A slot is refilled once the front has handed its packet on and the feeder has sent
      // its last beat.
      if (hand_i) begin
        svalid_q[p_slot_q] <= 1'b0;
        p_slot_q <= !p_slot_q;
      end
      if (feed_start_i) begin
        feed_slot_q <= p_slot_q;
        sfeed_q[p_slot_q] <= 1'b1;
      end
      if (feed_last) sfeed_q[feed_slot_q] <= 1'b0;
    end
  end

  `ASSERT(HandOnlyFilled_A, hand_i |-> svalid_q[p_slot_q])
  `ASSERT(FeedOnlyWhenFree_A, feed_start_i |-> feed_left_q == 10'd0)
  `ASSERT(OneFillPerSlot_A, f_fill && pk_fill |-> f_slot_q != pk_slot_q)

endmodule
