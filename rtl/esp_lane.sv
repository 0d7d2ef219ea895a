// esp_lane: one ESP pipeline (RFC 4303 ESP with RFC 4106 AES-GCM; IPv4 tunnel and transport
// mode, optional RFC 3948 UDP encapsulation), per the contract in esp_lane_pkg.sv: a job, its
// in beats, then a result and the out beats, results and output in job order, one beat per
// clock with no gap between packets of different SAs. The functional reference is
// hw/model/esp.cc; the output is bit-identical to it (esp_lane_test).
//
//   job/in --> esp_lane_in --(AAD + payload beats)--> esp_gcm --> esp_lane_out --> res/out
//                  |                                                   ^
//                  +-------------------- info_t (one per packet) -----+
//
// Byte order: byte 0 of every stream beat in [127:120], keep[15] enables it (esp_lane_pkg);
// key_i holds the key's byte 0 in [255:248] (an AES-128 key in [255:128]).
// Interface, timing, buffering and limits: rtl/doc/esp_lane.md.
//
// Keys: key_* installs a key at id = SA slot into esp_gcm's key table (Slots entries);
// key_done_o pulses when it may be used. Do not reinstall a slot while a job of that slot is
// in the lane (make-before-break; INVALIDATE's zero key once the SA's jobs have left).
// ICV: the SA's length, 16, 12 or 8 bytes (RFC 4106 section 8.1): encap emits the tag
// truncated to it, decap verifies that many bytes (esp_gcm in_tag_len_i), as hw/model does.
module esp_lane
  import esp_lane_pkg::*;
  import esp_lane_util_pkg::*;
#(
  parameter int unsigned Slots      = 1024,  // key table depth: key id = SA slot
  parameter int unsigned MaxKeyBits = 256,   // 128: AES-128 only; 256: AES-128 and AES-256
  parameter int unsigned RingBeats  = 1184,  // output ring: 2 x 592 beats = two 9216 B packets
  localparam int unsigned SlotW     = (Slots > 1) ? $clog2(Slots) : 1
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  // Key install (SA_CMD WRITE / INVALIDATE).
  input  logic               key_valid_i,
  output logic               key_ready_o,
  input  logic [SlotW-1:0]   key_slot_i,
  input  logic               key_aes256_i,
  input  logic [255:0]       key_i,
  output logic               key_done_o,
  // Jobs.
  input  logic               job_valid_i,
  output logic               job_ready_o,
  input  lane_job_t          job_i,
  // In beats: ceil(job.in_len / 16) per job.
  input  logic               in_valid_i,
  output logic               in_ready_o,
  input  logic [127:0]       in_data_i,
  input  logic [15:0]        in_keep_i,
  input  logic               in_last_i,
  // Results, one per job, in job order.
  output logic               res_valid_o,
  input  logic               res_ready_i,
  output lane_result_t       res_o,
  // Out beats: ceil(res.out_len / 16) per job, after its result.
  output logic               out_valid_o,
  input  logic               out_ready_i,
  output logic [127:0]       out_data_o,
  output logic [15:0]        out_keep_o,
  output logic               out_last_o
);

  `include "prim_assert.svh"

  // A GCM input beat with its message header.
  typedef struct packed {
    logic [127:0]     data;
    logic [15:0]      keep;
    logic             last;
    logic [SlotW-1:0] kid;
    logic [95:0]      iv;
    logic [3:0]       alen;
    logic [LenW-1:0]  plen;
    logic             dec;
    logic [127:0]     tag;
    logic [4:0]       tlen;
  } gbeat_t;

  logic              g_in_valid, g_in_ready;
  gbeat_t            gb, sk_q [2], sk_head;
  logic [1:0]        sk_cnt_q, sk_cnt_d;
  logic              sk_rd_q, sk_wr_q, sk_push, sk_pop, gcm_ready;
  logic [127:0]      g_out_data, g_out_tag;
  logic              g_out_valid, g_out_ready, g_out_last, g_out_ok;
  logic              info_valid, info_ready;
  info_t             info;

  esp_lane_in #(
    .SlotW (SlotW)
  ) u_in (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .job_valid_i  (job_valid_i),
    .job_ready_o  (job_ready_o),
    .job_i        (job_i),
    .in_valid_i   (in_valid_i),
    .in_ready_o   (in_ready_o),
    .in_data_i    (in_data_i),
    .in_keep_i    (in_keep_i),
    .in_last_i    (in_last_i),
    .g_valid_o    (g_in_valid),
    .g_ready_i    (g_in_ready),
    .g_data_o     (gb.data),
    .g_keep_o     (gb.keep),
    .g_last_o     (gb.last),
    .g_kid_o      (gb.kid),
    .g_iv_o       (gb.iv),
    .g_alen_o     (gb.alen),
    .g_plen_o     (gb.plen),
    .g_dec_o      (gb.dec),
    .g_tag_o      (gb.tag),
    .g_tag_len_o  (gb.tlen),
    .info_valid_o (info_valid),
    .info_ready_i (info_ready),
    .info_o       (info)
  );

  // 2-entry skid buffer in front of esp_gcm: the input side's ready comes from registers (no
  // combinational loop through esp_gcm's in_ready_o), at full rate.
  assign g_in_ready = (sk_cnt_q != 2'd2);
  assign sk_push    = g_in_valid && g_in_ready;
  assign sk_head    = sk_q[sk_rd_q];
  assign sk_pop     = (sk_cnt_q != 2'd0) && gcm_ready;
  assign sk_cnt_d   = sk_cnt_q + {1'b0, sk_push} - {1'b0, sk_pop};

  always_ff @(posedge clk_i) begin
    if (sk_push) begin
      sk_q[sk_wr_q] <= gb;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sk_cnt_q <= '0;
      sk_rd_q  <= 1'b0;
      sk_wr_q  <= 1'b0;
    end else begin
      sk_cnt_q <= sk_cnt_d;
      sk_rd_q  <= sk_rd_q ^ sk_pop;
      sk_wr_q  <= sk_wr_q ^ sk_push;
    end
  end

  /* verilator lint_off PINCONNECTEMPTY */
  esp_gcm #(
    .MaxKeyBits  (MaxKeyBits),
    .NumKeys     (Slots),
    .MaxAadBytes (12),
    .MaxPtBytes  ((1 << LenW) - 1),
    .UserWidth   (1)
  ) u_gcm (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .key_valid_i  (key_valid_i),
    .key_ready_o  (key_ready_o),
    .key_id_i     (key_slot_i),
    .key_256_i    (key_aes256_i),
    .key_i        (key_i),
    .key_done_o   (key_done_o),
    .in_valid_i   (sk_cnt_q != 2'd0),
    .in_ready_o   (gcm_ready),
    .in_data_i    (sk_head.data),
    .in_keep_i    (sk_head.keep),
    .in_last_i    (sk_head.last),
    .in_key_id_i  (sk_head.kid),
    .in_iv_i      (sk_head.iv),
    .in_aad_len_i (sk_head.alen),
    .in_pt_len_i  (sk_head.plen),
    .in_decrypt_i (sk_head.dec),
    .in_tag_i     (sk_head.tag),
    .in_tag_len_i (sk_head.tlen),
    .in_user_i    (1'b0),
    .out_valid_o  (g_out_valid),
    .out_ready_i  (g_out_ready),
    .out_data_o   (g_out_data),
    .out_keep_o   (),  // the lengths travel in info_t
    .out_last_o   (g_out_last),
    .out_tag_o    (g_out_tag),
    .out_tag_ok_o (g_out_ok),
    .out_user_o   ()
  );
  /* verilator lint_on PINCONNECTEMPTY */

  esp_lane_out #(
    .RingBeats (RingBeats)
  ) u_out (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .info_valid_i (info_valid),
    .info_ready_o (info_ready),
    .info_i       (info),
    .g_valid_i    (g_out_valid),
    .g_ready_o    (g_out_ready),
    .g_data_i     (g_out_data),
    .g_last_i     (g_out_last),
    .g_tag_i      (g_out_tag),
    .g_tag_ok_i   (g_out_ok),
    .res_valid_o  (res_valid_o),
    .res_ready_i  (res_ready_i),
    .res_o        (res_o),
    .out_valid_o  (out_valid_o),
    .out_ready_i  (out_ready_i),
    .out_data_o   (out_data_o),
    .out_keep_o   (out_keep_o),
    .out_last_o   (out_last_o)
  );

  `ASSERT_INIT(SlotsLegal_A, Slots >= 1 && Slots <= 65536)
  `ASSERT_INIT(LenWAgrees_A, LaneLenW == LenW)

endmodule
