// esp_engine: the packet engine of the device front end, in three parts working on packets in
// fetch order (doc: rtl/doc/esp_engine.md):
//   esp_fetch  fetches descriptors and packets (many reads in flight, a ring of records and a
//              circular packet buffer); feeds a job's input to the lane;
//   esp_front  classifies the packet of the oldest slot (the front-end checks of
//              esp_lane_pkg.sv, in hw/model/esp.cc's order), takes the SA's sequence number or
//              pre-checks the replay window, dispatches the job to a lane, hands a record on;
//   esp_back   the lane's result, the replay commit, per-SA accounting (the only SA state
//              write), events, the output DMA, STAT_* and the completion.
// The front waits when the back holds an unaccounted packet of the same SA, so per-SA state
// and the order of events are exactly the model's (hw/model/device_model.cc) whatever the
// number of lanes. A descriptor fetch error stops the queue at once but its QUEUE_ERROR event
// is pushed in order; a packet fetched behind a completion-write error of its queue (or behind
// a queue reset) is dropped without effects, as the model would never have fetched it.
//
// Byte order: every internal bus has byte 0 in its top bits ([127:120] for 128-bit ones).
module esp_engine
  import ipsec_reg_pkg::*;
  import esp_sa_pkg::*;
  import esp_lane_pkg::*;
#(
  parameter int unsigned Slots = 1024,
  parameter int unsigned DataW = 128,  // host bus width (dma_master), lanes' output words
  parameter int unsigned Lanes = 1,    // the fetcher feeds each lane on its own
  parameter int unsigned BackRecs = 16,  // esp_back's records (power of two)
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned LaneW = (Lanes > 1) ? $clog2(Lanes) : 1
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              enable_i,
  output logic              idle_o,
  // Queues.
  input  logic              pick_valid_i,
  input  logic [2:0]        pick_q_i,
  input  logic [63:0]       pick_desc_addr_i,
  input  logic [3:0]        pick_epoch_i,
  output logic              f_req_o,          // the picked descriptor is requested
  output logic [2:0]        f_q_o,            // queue and epoch of a descriptor coming in
  output logic [3:0]        f_epoch_o,
  input  logic              f_take_i,         // its queue takes it
  output logic              fetch_ok_o,
  output logic              f_stop_o,
  output logic [2:0]        eng_q_o,          // processor's queue and epoch
  output logic [3:0]        eng_epoch_o,
  output logic              stop_o,           // a failed descriptor read of eng_q_o
  output logic              release_o,        // the processor is done with a fetched packet
  input  logic              eng_live_i,
  // A completion write answered: its record's queue and epoch (dma_queues: CQ_TAIL + 1, or
  // STOPPED after a failure; one fewer in flight).
  output logic [2:0]        ans_q_o,
  output logic [3:0]        ans_epoch_o,
  input  logic              ans_live_i,
  output logic              ans_stop_o,
  output logic              ans_cpl_done_o,
  output logic              ans_release_o,
  input  logic [31:0]       q_epochs_i,       // every queue's epoch (4 bits per queue)
  input  logic [63:0]       cpl_addr_i,
  input  logic              cpl_phase_i,
  // DMA master.
  output logic              rd_req_valid_o,
  input  logic              rd_req_ready_i,
  output logic [63:0]       rd_req_addr_o,
  output logic [15:0]       rd_req_len_o,
  input  logic              rd_valid_i,
  input  logic [DataW-1:0]  rd_data_i,
  input  logic              rd_last_i,
  input  logic              rd_err_i,
  output logic              wr_req_valid_o,
  input  logic              wr_req_ready_i,
  output logic [63:0]       wr_req_addr_o,
  output logic [15:0]       wr_req_len_o,
  output logic              wr_data_valid_o,
  input  logic              wr_data_ready_i,
  output logic [DataW-1:0]  wr_data_o,
  input  logic              wr_done_i,
  input  logic              wr_err_i,
  // SA table.
  output logic              sa_rd_o,
  output logic [SlotW-1:0]  sa_rd_slot_o,
  input  logic              sa_rd_valid_i,
  input  sa_cfg_t           sa_rd_cfg_i,
  input  sa_state_t         sa_rd_st_i,
  output logic              sa_wr_o,
  output logic [SlotW-1:0]  sa_wr_slot_o,
  output sa_state_t         sa_wr_st_o,
  // Replay windows.
  output logic              rp_chk_valid_o,
  input  logic              rp_chk_ready_i,
  output logic [SlotW-1:0]  rp_chk_slot_o,
  output logic [31:0]       rp_chk_seq_lo_o,
  input  logic              rp_chk_done_i,
  input  logic              rp_chk_ok_i,
  input  logic [63:0]       rp_chk_seq_i,
  output logic              rp_cmt_valid_o,
  input  logic              rp_cmt_ready_i,
  output logic [SlotW-1:0]  rp_cmt_slot_o,
  output logic [63:0]       rp_cmt_seq_o,
  input  logic              rp_cmt_done_i,
  input  logic              rp_cmt_ok_i,
  // Lane.
  output logic              job_valid_o,
  input  logic              job_ready_i,
  output lane_job_t         job_o,
  input  logic [LaneW-1:0]  job_lane_i,       // the lane job_o goes to (its feed too)
  output logic [Lanes-1:0]  feed_busy_o,      // per lane: its feeder cannot start a feed
  output logic [Lanes-1:0]  in_valid_o,       // each lane's input beats
  input  logic [Lanes-1:0]  in_ready_i,
  output logic [Lanes-1:0][127:0] in_data_o,
  output logic [Lanes-1:0][15:0]  in_keep_o,
  output logic [Lanes-1:0]  in_last_o,
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
  // Utilization: clocks with a packet in the engine / a job in the lane.
  output logic              busy_o,
  output logic              lane_busy_o
);

  localparam int unsigned HdrBeats = 6;  // bytes 0..95: every field the classifier reads
  localparam int unsigned HdrW = 8 * 16 * HdrBeats;

  // Fetcher -> front.
  logic            s_valid, hand, feed_start;
  logic [Lanes-1:0] feed_busy;
  esp_engine_pkg::pre_e s_pre;
  logic [3:0]      s_pre_st;
  logic [255:0]    s_desc;
  logic [HdrW-1:0] s_hdr;
  logic [2:0]      s_q;
  logic [3:0]      s_epoch;
  logic            f_idle, f_busy;
  // Front -> back.
  esp_engine_pkg::back_t hand_rec;
  sa_cfg_t         hand_cfg;
  sa_state_t       hand_st, hand_post, fwd_st;
  logic            rec_ready, haz, fwd, hand_post_ok, b_busy;
  logic [SlotW-1:0] fr_slot;
  logic            fr_busy, b_idle, b_lane_busy;

  // Several lanes feed at once: room for a jumbo packet per lane and a host read latency of
  // 500 clocks of jumbo packets in flight (96 KiB), and records for 500 clocks of descriptor
  // reads plus 500 of packet reads at 2-3 clocks a packet (512; as many as the DMA master
  // keeps in flight, ipsec_top's RdOutstanding), of which only those with a packet read in
  // flight or in hand hold a header slot (256).
  esp_fetch #(
    .Slots     (Slots),
    .DataW     (DataW),
    .Lanes     (Lanes),
    .NRec      (Lanes > 1 ? 512 : 128),
    .NHdr      (Lanes > 1 ? 256 : 128),
    .PbufBytes (Lanes > 1 ? 98304 : 32768),
    .HdrBeats  (HdrBeats)
  ) u_esp_fetch (
    .clk_i,
    .rst_ni,
    .enable_i,
    .pick_valid_i,
    .pick_q_i,
    .pick_desc_addr_i,
    .pick_epoch_i,
    .f_req_o,
    .f_q_o,
    .f_epoch_o,
    .f_take_i,
    .fetch_ok_o,
    .f_stop_o,
    .rd_req_valid_o,
    .rd_req_ready_i,
    .rd_req_addr_o,
    .rd_req_len_o,
    .rd_valid_i,
    .rd_data_i,
    .rd_last_i,
    .rd_err_i,
    .s_valid_o    (s_valid),
    .s_pre_o      (s_pre),
    .s_pre_st_o   (s_pre_st),
    .s_desc_o     (s_desc),
    .s_hdr_o      (s_hdr),
    .s_q_o        (s_q),
    .s_epoch_o    (s_epoch),
    .hand_i       (hand),
    .feed_start_i (feed_start),
    .feed_len_i   (job_o.in_len),
    .feed_lane_i  (job_lane_i),
    .feed_busy_o  (feed_busy),
    .in_valid_o,
    .in_ready_i,
    .in_data_o,
    .in_keep_o,
    .in_last_o,
    .idle_o       (f_idle),
    .busy_o       (f_busy)
  );

  esp_front #(
    .Slots    (Slots),
    .HdrBeats (HdrBeats)
  ) u_esp_front (
    .clk_i,
    .rst_ni,
    .s_valid_i       (s_valid),
    .s_pre_i         (s_pre),
    .s_pre_st_i      (s_pre_st),
    .s_desc_i        (s_desc),
    .s_hdr_i         (s_hdr),
    .s_q_i           (s_q),
    .s_epoch_i       (s_epoch),
    .sa_rd_o,
    .sa_rd_slot_o,
    .sa_rd_valid_i,
    .sa_rd_cfg_i,
    .sa_rd_st_i,
    .rp_chk_valid_o,
    .rp_chk_ready_i,
    .rp_chk_slot_o,
    .rp_chk_seq_lo_o,
    .rp_chk_done_i,
    .rp_chk_ok_i,
    .rp_chk_seq_i,
    .job_valid_o,
    .job_ready_i,
    .job_o,
    .feed_busy_i     (feed_busy[job_lane_i]),
    .feed_start_o    (feed_start),
    .rec_ready_i     (rec_ready),
    .slot_o          (fr_slot),
    .haz_i           (haz),
    .fwd_i           (fwd),
    .fwd_st_i        (fwd_st),
    .hand_o          (hand),
    .hand_rec_o      (hand_rec),
    .hand_cfg_o      (hand_cfg),
    .hand_st_o       (hand_st),
    .hand_post_o     (hand_post),
    .hand_post_ok_o  (hand_post_ok),
    .busy_o          (fr_busy)
  );

  esp_back #(
    .Slots (Slots),
    .DataW (DataW),
    .Recs  (BackRecs)
  ) u_esp_back (
    .clk_i,
    .rst_ni,
    .hand_i          (hand),
    .hand_rec_i      (hand_rec),
    .hand_cfg_i      (hand_cfg),
    .hand_st_i       (hand_st),
    .hand_post_i     (hand_post),
    .hand_post_ok_i  (hand_post_ok),
    .rec_ready_o     (rec_ready),
    .f_slot_i        (fr_slot),
    .haz_o           (haz),
    .f_pq_i          (s_q),
    .f_pepoch_i      (s_epoch),
    .fwd_o           (fwd),
    .fwd_st_o        (fwd_st),
    .busy_o          (b_busy),
    .f_q_i           (f_q_o),
    .fetch_ok_i      (fetch_ok_o),
    .eng_q_o,
    .eng_epoch_o,
    .stop_o,
    .release_o,
    .eng_live_i,
    .ans_q_o,
    .ans_epoch_o,
    .ans_live_i,
    .ans_stop_o,
    .ans_cpl_done_o,
    .ans_release_o,
    .q_epochs_i,
    .cpl_addr_i,
    .cpl_phase_i,
    .wr_req_valid_o,
    .wr_req_ready_i,
    .wr_req_addr_o,
    .wr_req_len_o,
    .wr_data_valid_o,
    .wr_data_ready_i,
    .wr_data_o,
    .wr_done_i,
    .wr_err_i,
    .sa_wr_o,
    .sa_wr_slot_o,
    .sa_wr_st_o,
    .rp_cmt_valid_o,
    .rp_cmt_ready_i,
    .rp_cmt_slot_o,
    .rp_cmt_seq_o,
    .rp_cmt_done_i,
    .rp_cmt_ok_i,
    .res_valid_i,
    .res_ready_o,
    .res_i,
    .out_valid_i,
    .out_ready_o,
    .out_data_i,
    .out_last_i,
    .ev_push_o,
    .ev_type_o,
    .ev_slot_o,
    .stat_valid_o,
    .stat_status_o,
    .stat_encap_ok_o,
    .stat_decap_ok_o,
    .cpl_valid_o,
    .cpl_q_o,
    .cpl_force_o,
    .idle_o          (b_idle),
    .lane_busy_o     (b_lane_busy)
  );

  assign feed_busy_o = feed_busy;
  assign idle_o = !fr_busy && b_idle && f_idle;
  assign busy_o = fr_busy || b_busy || f_busy;
  assign lane_busy_o = b_lane_busy || |feed_busy;

endmodule
