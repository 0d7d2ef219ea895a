// ipsec_top: the ESP offload device. BAR0 CSRs (hw/regmap.toml), a DMA master to host memory
// (AXI4-style), NVMe-style queue pairs, the SA table, the packet engine (classifier, sequence
// numbers, lifetimes, counters, completions), the anti-replay windows and Lanes ESP lanes
// (esp_lane: framing and AES-GCM). Block diagram and data flow: rtl/doc/ipsec_top.md.
//
// CSR port: csr_valid_i for one clock with csr_write_i, csr_addr_i (byte offset, 32-bit
// aligned), csr_wdata_i; a read's data is on csr_rdata_o from the next clock on (held until the
// next read). Reads with side effects (EVENT, CYCLES_LO) act once per strobe.
// Interrupts: irq_o[q] (queue q's completions) and irq_o[8] (events), level, = IRQ_STATUS &
// IRQ_MASK.
// AXI: DataW-bit data (128 by default), little-endian byte lanes (AXI), INCR bursts of
// DataW/8-byte beats, one ID; see dma_master.sv.
// Utilization counters (perf_*_o): free-running clocks with the engine busy, a job in a lane,
// a DMA read / write in progress; for the harness's reports (not CSRs).
module ipsec_top
  import ipsec_reg_pkg::*;
  import esp_sa_pkg::*;
  import esp_lane_pkg::*;
#(
  parameter int unsigned Lanes         = 1,
  parameter int unsigned Queues        = 4,
  parameter int unsigned Slots         = 1024,
  parameter int unsigned MaxWindow     = 4096,
  // Read bursts in flight and read requests queued in the DMA master (a power of two): 128
  // hide a read latency of 500 clocks at one lane; several lanes need 512 (2 reads a packet
  // at 2-3 clocks a packet; rtl/doc/multilane.md, "Read latency 500").
  parameter int unsigned RdOutstanding = Lanes > 1 ? 512 : 128,
  // Host bus width: 128, or 256/512/1024 for several lanes (rtl/doc/multilane.md): the bus
  // master, the fetcher's packet buffer and the back's writes work in DataW-bit words; each
  // lane's output is packed into such words (esp_out_pack).
  parameter int unsigned DataW         = 128,
  localparam int unsigned SlotW        = $clog2(Slots)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // CSR (BAR0).
  input  logic              csr_valid_i,
  input  logic              csr_write_i,
  input  logic [CSR_AW-1:0] csr_addr_i,
  input  logic [31:0]       csr_wdata_i,
  output logic [31:0]       csr_rdata_o,
  // Interrupt vectors.
  output logic [8:0]        irq_o,
  // AXI4 master to host memory.
  output logic              m_arvalid_o,
  input  logic              m_arready_i,
  output logic [63:0]       m_araddr_o,
  output logic [7:0]        m_arlen_o,
  input  logic              m_rvalid_i,
  output logic              m_rready_o,
  input  logic [DataW-1:0]  m_rdata_i,
  input  logic [1:0]        m_rresp_i,
  input  logic              m_rlast_i,
  output logic              m_awvalid_o,
  input  logic              m_awready_i,
  output logic [63:0]       m_awaddr_o,
  output logic [7:0]        m_awlen_o,
  output logic              m_wvalid_o,
  input  logic              m_wready_i,
  output logic [DataW-1:0]  m_wdata_o,
  output logic [DataW/8-1:0] m_wstrb_o,
  output logic              m_wlast_o,
  input  logic              m_bvalid_i,
  output logic              m_bready_o,
  input  logic [1:0]        m_bresp_i,
  // Utilization counters.
  output logic [63:0]       perf_cycles_o,
  output logic [31:0]       perf_engine_busy_o,
  output logic [31:0]       perf_lane_busy_o,
  output logic [31:0]       perf_rd_busy_o,
  output logic [31:0]       perf_wr_busy_o,
  output logic [31:0]       perf_pkts_o
);
  `include "prim_assert.svh"

  // -------------------------------------------------------------------------------- CSR bus
  logic csr_re, csr_we;
  logic sel_glob, sel_sa, sel_q;
  logic [31:0] rd_glob, rd_sa, rd_q;
  assign csr_re = csr_valid_i && !csr_write_i;
  assign csr_we = csr_valid_i && csr_write_i;
  assign sel_glob = csr_addr_i < SA_SLOT_OFFSET;
  assign sel_sa = csr_addr_i >= SA_SLOT_OFFSET && csr_addr_i < CSR_AW'(13'h300);
  assign sel_q = csr_addr_i >= QUEUE_BASE[CSR_AW-1:0];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      csr_rdata_o <= 32'd0;
    end else if (csr_re) begin
      csr_rdata_o <= (csr_addr_i[1:0] != 2'd0) ? 32'd0 :
                     sel_glob ? rd_glob : sel_sa ? rd_sa : sel_q ? rd_q : 32'd0;
    end
  end

  // ------------------------------------------------------------------------ global registers
  logic        soft_reset, enable, idle;
  logic        ev_push, stat_valid, stat_encap_ok, stat_decap_ok, cpl_valid, cpl_force;
  logic [3:0]  ev_type, stat_status;
  logic [15:0] ev_slot;
  logic [2:0]  cpl_q;

  csr_regs #(
    .Lanes     (Lanes),
    .Queues    (Queues),
    .Slots     (Slots),
    .MaxWindow (MaxWindow)
  ) u_csr_regs (
    .clk_i,
    .rst_ni,
    .csr_re_i        (csr_re && sel_glob),
    .csr_we_i        (csr_we && sel_glob),
    .csr_addr_i,
    .csr_wdata_i,
    .csr_rdata_o     (rd_glob),
    .soft_reset_o    (soft_reset),
    .enable_o        (enable),
    .idle_i          (idle),
    .ev_push_i       (ev_push),
    .ev_type_i       (ev_type),
    .ev_slot_i       (ev_slot),
    .stat_valid_i    (stat_valid),
    .stat_status_i   (stat_status),
    .stat_encap_ok_i (stat_encap_ok),
    .stat_decap_ok_i (stat_decap_ok),
    .cpl_valid_i     (cpl_valid),
    .cpl_q_i         (cpl_q),
    .cpl_force_i     (cpl_force),
    .irq_o,
    .cycles_o        (perf_cycles_o)
  );

  // -------------------------------------------------------------------------------- queues
  logic        f_req, f_take;
  logic        pick_valid, fetch_ok, f_stop, q_stop, eng_release, eng_live, cpl_phase;
  logic        ans_live, ans_stop, ans_cpl_done, ans_release;
  logic [2:0]  pick_q, eng_q, f_q, ans_q;
  logic [3:0]  pick_epoch, eng_epoch, f_epoch, ans_epoch;
  logic [31:0] q_epochs;
  logic [63:0] pick_desc_addr, cpl_addr;

  dma_queues #(
    .Queues (Queues)
  ) u_dma_queues (
    .clk_i,
    .rst_ni,
    .soft_reset_i     (soft_reset),
    .csr_we_i         (csr_we && sel_q),
    .csr_addr_i,
    .csr_wdata_i,
    .csr_rdata_o      (rd_q),
    .enable_i         (enable),
    .pick_valid_o     (pick_valid),
    .pick_q_o         (pick_q),
    .pick_desc_addr_o (pick_desc_addr),
    .pick_epoch_o     (pick_epoch),
    .f_req_i          (f_req),
    .f_take_o         (f_take),
    .f_q_i            (f_q),
    .f_epoch_i        (f_epoch),
    .fetch_ok_i       (fetch_ok),
    .f_stop_i         (f_stop),
    .eng_q_i          (eng_q),
    .eng_epoch_i      (eng_epoch),
    .stop_i           (q_stop),
    .release_i        (eng_release),
    .eng_live_o       (eng_live),
    .ans_q_i          (ans_q),
    .ans_epoch_i      (ans_epoch),
    .ans_stop_i       (ans_stop),
    .ans_cpl_done_i   (ans_cpl_done),
    .ans_release_i    (ans_release),
    .ans_live_o       (ans_live),
    .epochs_o         (q_epochs),
    .cpl_addr_o       (cpl_addr),
    .cpl_phase_o      (cpl_phase)
  );

  // ---------------------------------------------------------------------------- DMA master
  logic         rd_req_valid, rd_req_ready, rd_valid, rd_last, rd_err;
  logic [63:0]  rd_req_addr, wr_req_addr;
  logic [15:0]  rd_req_len, wr_req_len;
  logic [DataW-1:0] rd_data, wr_data;
  logic         wr_req_valid, wr_req_ready, wr_data_valid, wr_data_ready, wr_done, wr_err;
  logic         rd_busy, wr_busy;

  dma_master #(
    .DataW         (DataW),
    .RdOutstanding (RdOutstanding),
    .RdReqs        (RdOutstanding)
  ) u_dma_master (
    .clk_i,
    .rst_ni,
    .rd_req_valid_i  (rd_req_valid),
    .rd_req_ready_o  (rd_req_ready),
    .rd_req_addr_i   (rd_req_addr),
    .rd_req_len_i    (rd_req_len),
    .rd_valid_o      (rd_valid),
    .rd_data_o       (rd_data),
    .rd_last_o       (rd_last),
    .rd_err_o        (rd_err),
    .wr_req_valid_i  (wr_req_valid),
    .wr_req_ready_o  (wr_req_ready),
    .wr_req_addr_i   (wr_req_addr),
    .wr_req_len_i    (wr_req_len),
    .wr_data_valid_i (wr_data_valid),
    .wr_data_ready_o (wr_data_ready),
    .wr_data_i       (wr_data),
    .wr_done_o       (wr_done),
    .wr_err_o        (wr_err),
    .m_arvalid_o,
    .m_arready_i,
    .m_araddr_o,
    .m_arlen_o,
    .m_rvalid_i,
    .m_rready_o,
    .m_rdata_i,
    .m_rresp_i,
    .m_rlast_i,
    .m_awvalid_o,
    .m_awready_i,
    .m_awaddr_o,
    .m_awlen_o,
    .m_wvalid_o,
    .m_wready_i,
    .m_wdata_o,
    .m_wstrb_o,
    .m_wlast_o,
    .m_bvalid_i,
    .m_bready_o,
    .m_bresp_i,
    .rd_busy_o       (rd_busy),
    .wr_busy_o       (wr_busy)
  );

  // ------------------------------------------------------------------------------ SA table
  logic             key_valid, key_ready, key_256, key_done;
  logic [SlotW-1:0] key_slot;
  logic [255:0]     key;
  logic             rp_init_valid, rp_init_ready, rp_init_esn;
  logic [SlotW-1:0] rp_init_slot, rp_rd_slot;
  logic [12:0]      rp_init_window;
  logic [63:0]      rp_init_t, rp_rd_t, rp_rd_bitmap;
  logic             rp_rd_valid, rp_rd_ready, rp_rd_done, rp_init_done;
  logic             sa_rd, sa_rd_valid, sa_wr;
  logic [SlotW-1:0] sa_rd_slot, sa_wr_slot;
  sa_cfg_t          sa_rd_cfg;
  sa_state_t        sa_rd_st, sa_wr_st;
  logic             sa_busy;

  esp_sa_table #(
    .Slots     (Slots),
    .MaxWindow (MaxWindow)
  ) u_esp_sa_table (
    .clk_i,
    .rst_ni,
    .soft_reset_i     (soft_reset),
    .csr_we_i         (csr_we && sel_sa),
    .csr_addr_i,
    .csr_wdata_i,
    .csr_rdata_o      (rd_sa),
    .key_valid_o      (key_valid),
    .key_ready_i      (key_ready),
    .key_slot_o       (key_slot),
    .key_256_o        (key_256),
    .key_o            (key),
    .key_done_i       (key_done),
    .rp_init_valid_o  (rp_init_valid),
    .rp_init_ready_i  (rp_init_ready),
    .rp_init_slot_o   (rp_init_slot),
    .rp_init_window_o (rp_init_window),
    .rp_init_esn_o    (rp_init_esn),
    .rp_init_t_o      (rp_init_t),
    .rp_init_done_i   (rp_init_done),
    .rp_rd_valid_o    (rp_rd_valid),
    .rp_rd_ready_i    (rp_rd_ready),
    .rp_rd_slot_o     (rp_rd_slot),
    .rp_rd_done_i     (rp_rd_done),
    .rp_rd_t_i        (rp_rd_t),
    .rp_rd_bitmap_i   (rp_rd_bitmap),
    .eng_rd_i         (sa_rd),
    .eng_rd_slot_i    (sa_rd_slot),
    .eng_rd_valid_o   (sa_rd_valid),
    .eng_rd_cfg_o     (sa_rd_cfg),
    .eng_rd_st_o      (sa_rd_st),
    .eng_wr_i         (sa_wr),
    .eng_wr_slot_i    (sa_wr_slot),
    .eng_wr_st_i      (sa_wr_st),
    .busy_o           (sa_busy)
  );

  // -------------------------------------------------------------------------- replay windows
  logic             rp_chk_valid, rp_chk_ready, rp_chk_done, rp_chk_ok;
  logic [SlotW-1:0] rp_chk_slot, rp_cmt_slot;
  logic [31:0]      rp_chk_seq_lo;
  logic [63:0]      rp_chk_seq, rp_cmt_seq;
  logic             rp_cmt_valid, rp_cmt_ready, rp_cmt_done, rp_cmt_ok;

  esp_replay #(
    .Slots     (Slots),
    .MaxWindow (MaxWindow)
  ) u_esp_replay (
    .clk_i,
    .rst_ni,
    .init_valid_i   (rp_init_valid),
    .init_ready_o   (rp_init_ready),
    .init_slot_i    (rp_init_slot),
    .init_window_i  (rp_init_window),
    .init_esn_i     (rp_init_esn),
    .init_t_i       (rp_init_t),
    .init_done_o    (rp_init_done),
    .chk_valid_i    (rp_chk_valid),
    .chk_ready_o    (rp_chk_ready),
    .chk_slot_i     (rp_chk_slot),
    .chk_seq_lo_i   (rp_chk_seq_lo),
    .chk_done_o     (rp_chk_done),
    .chk_ok_o       (rp_chk_ok),
    .chk_seq_o      (rp_chk_seq),
    .cmt_valid_i    (rp_cmt_valid),
    .cmt_ready_o    (rp_cmt_ready),
    .cmt_slot_i     (rp_cmt_slot),
    .cmt_seq_i      (rp_cmt_seq),
    .cmt_done_o     (rp_cmt_done),
    .cmt_ok_o       (rp_cmt_ok),
    .rd_valid_i     (rp_rd_valid),
    .rd_ready_o     (rp_rd_ready),
    .rd_slot_i      (rp_rd_slot),
    .rd_done_o      (rp_rd_done),
    .rd_t_o         (rp_rd_t),
    .rd_bitmap_o    (rp_rd_bitmap)
  );

  // ---------------------------------------------------------------------------------- engine
  localparam int unsigned LaneW = (Lanes > 1) ? $clog2(Lanes) : 1;
  // Packets between the front's hand-on and their completion's answer (esp_back): more with
  // several lanes, so that short packets keep the other lanes busy behind a long one.
  localparam int unsigned BackRecs = (Lanes > 1) ? 64 : 16;
  logic         job_valid, job_ready, res_valid, res_ready;
  logic         out_valid, out_ready, out_last;
  lane_job_t    job;
  lane_result_t res;
  logic [LaneW-1:0] next_lane_q;  // where the search for the next job's lane starts
  logic [LaneW-1:0] job_lane;     // the lane of the next job
  logic [Lanes-1:0] feed_busy;    // per lane: its feeder is busy (the front waits for it)
  logic [Lanes-1:0] in_valid, in_ready, in_last;  // each lane's input, from its own feeder
  logic [Lanes-1:0][127:0] in_data;
  logic [Lanes-1:0][15:0]  in_keep;
  logic [DataW-1:0] out_data;
  logic         eng_busy, lane_busy, eng_idle;
  assign idle = eng_idle && !sa_busy;

  esp_engine #(
    .Slots    (Slots),
    .DataW    (DataW),
    .Lanes    (Lanes),
    .BackRecs (BackRecs)
  ) u_esp_engine (
    .clk_i,
    .rst_ni,
    .enable_i         (enable),
    .idle_o           (eng_idle),
    .pick_valid_i     (pick_valid),
    .pick_q_i         (pick_q),
    .pick_desc_addr_i (pick_desc_addr),
    .pick_epoch_i     (pick_epoch),
    .f_req_o          (f_req),
    .f_q_o            (f_q),
    .f_epoch_o        (f_epoch),
    .f_take_i         (f_take),
    .fetch_ok_o       (fetch_ok),
    .f_stop_o         (f_stop),
    .eng_q_o          (eng_q),
    .eng_epoch_o      (eng_epoch),
    .stop_o           (q_stop),
    .release_o        (eng_release),
    .eng_live_i       (eng_live),
    .ans_q_o          (ans_q),
    .ans_epoch_o      (ans_epoch),
    .ans_live_i       (ans_live),
    .ans_stop_o       (ans_stop),
    .ans_cpl_done_o   (ans_cpl_done),
    .ans_release_o    (ans_release),
    .q_epochs_i       (q_epochs),
    .cpl_addr_i       (cpl_addr),
    .cpl_phase_i      (cpl_phase),
    .rd_req_valid_o   (rd_req_valid),
    .rd_req_ready_i   (rd_req_ready),
    .rd_req_addr_o    (rd_req_addr),
    .rd_req_len_o     (rd_req_len),
    .rd_valid_i       (rd_valid),
    .rd_data_i        (rd_data),
    .rd_last_i        (rd_last),
    .rd_err_i         (rd_err),
    .wr_req_valid_o   (wr_req_valid),
    .wr_req_ready_i   (wr_req_ready),
    .wr_req_addr_o    (wr_req_addr),
    .wr_req_len_o     (wr_req_len),
    .wr_data_valid_o  (wr_data_valid),
    .wr_data_ready_i  (wr_data_ready),
    .wr_data_o        (wr_data),
    .wr_done_i        (wr_done),
    .wr_err_i         (wr_err),
    .sa_rd_o          (sa_rd),
    .sa_rd_slot_o     (sa_rd_slot),
    .sa_rd_valid_i    (sa_rd_valid),
    .sa_rd_cfg_i      (sa_rd_cfg),
    .sa_rd_st_i       (sa_rd_st),
    .sa_wr_o          (sa_wr),
    .sa_wr_slot_o     (sa_wr_slot),
    .sa_wr_st_o       (sa_wr_st),
    .rp_chk_valid_o   (rp_chk_valid),
    .rp_chk_ready_i   (rp_chk_ready),
    .rp_chk_slot_o    (rp_chk_slot),
    .rp_chk_seq_lo_o  (rp_chk_seq_lo),
    .rp_chk_done_i    (rp_chk_done),
    .rp_chk_ok_i      (rp_chk_ok),
    .rp_chk_seq_i     (rp_chk_seq),
    .rp_cmt_valid_o   (rp_cmt_valid),
    .rp_cmt_ready_i   (rp_cmt_ready),
    .rp_cmt_slot_o    (rp_cmt_slot),
    .rp_cmt_seq_o     (rp_cmt_seq),
    .rp_cmt_done_i    (rp_cmt_done),
    .rp_cmt_ok_i      (rp_cmt_ok),
    .job_valid_o      (job_valid),
    .job_ready_i      (job_ready),
    .job_o            (job),
    .job_lane_i       (job_lane),
    .feed_busy_o      (feed_busy),
    .in_valid_o       (in_valid),
    .in_ready_i       (in_ready),
    .in_data_o        (in_data),
    .in_keep_o        (in_keep),
    .in_last_o        (in_last),
    .res_valid_i      (res_valid),
    .res_ready_o      (res_ready),
    .res_i            (res),
    .out_valid_i      (out_valid),
    .out_ready_o      (out_ready),
    .out_data_i       (out_data),
    .out_last_i       (out_last),
    .ev_push_o        (ev_push),
    .ev_type_o        (ev_type),
    .ev_slot_o        (ev_slot),
    .stat_valid_o     (stat_valid),
    .stat_status_o    (stat_status),
    .stat_encap_ok_o  (stat_encap_ok),
    .stat_decap_ok_o  (stat_decap_ok),
    .cpl_valid_o      (cpl_valid),
    .cpl_q_o          (cpl_q),
    .cpl_force_o      (cpl_force),
    .busy_o           (eng_busy),
    .lane_busy_o      (lane_busy)
  );

  // ----------------------------------------------------------------------------------- lanes
  // A job goes to the first lane, in turn from next_lane_q, that takes a job and whose feeder
  // is free (else to next_lane_q, and the front waits): with jobs strictly in turn a long
  // packet's lane held up the jobs of the short packets behind it while the other lanes were
  // idle. Each lane has its own feeder in the fetcher, so the lanes take input at once;
  // results are taken in job order (a FIFO of the jobs' lane numbers), and output in job order
  // too, but the back may take a job's result while the previous job's output still streams:
  // a second FIFO holds the lanes of jobs whose result was taken and whose output beats are
  // still to come. The engine has at most BackRecs + 1 jobs between dispatch and the end of
  // their output (the back's records and the front's packet).
  localparam int unsigned JobFifo = 2 * BackRecs;
  localparam int unsigned JfW = $clog2(JobFifo);
  logic [LaneW-1:0] res_lane, out_lane;
  logic [JobFifo-1:0][LaneW-1:0] lfifo_q;  // packed: reset at once
  logic [JfW:0]     lf_wr_q, lf_rd_q;
  logic [JobFifo-1:0][LaneW-1:0] ofifo_q;
  logic [JfW:0]     of_wr_q, of_rd_q;
  logic             res_take, of_push, of_pop;
  logic [Lanes-1:0] l_job_ready, l_in_ready, l_res_valid, l_out_valid, l_out_last, l_out_ready;
  logic [Lanes-1:0] p_out_valid, p_out_last;  // the lanes' output in DataW-bit words
  logic [DataW-1:0] p_out_data [Lanes];
  logic [Lanes-1:0] l_key_ready, l_key_done;
  lane_result_t     l_res      [Lanes];
  logic [127:0]     l_out_data [Lanes];

  always_comb begin
    job_lane = next_lane_q;
    for (int k = int'(Lanes) - 1; k >= 0; k--) begin
      int l;
      l = int'(next_lane_q) + k;
      if (l >= int'(Lanes)) l -= int'(Lanes);
      if (l_job_ready[l] && !feed_busy[l]) job_lane = LaneW'(l);
    end
  end

  for (genvar l = 0; l < Lanes; l++) begin : gen_lane
    logic [15:0] unused_out_keep;  // implied by the lengths: the engine counts bytes
    esp_lane #(
      .Slots (Slots)
    ) u_esp_lane (
      .clk_i,
      .rst_ni,
      .key_valid_i  (key_valid),
      .key_ready_o  (l_key_ready[l]),
      .key_slot_i   (key_slot),
      .key_aes256_i (key_256),
      .key_i        (key),
      .key_done_o   (l_key_done[l]),
      .job_valid_i  (job_valid && 32'(job_lane) == l),
      .job_ready_o  (l_job_ready[l]),
      .job_i        (job),
      .in_valid_i   (in_valid[l]),
      .in_ready_o   (l_in_ready[l]),
      .in_data_i    (in_data[l]),
      .in_keep_i    (in_keep[l]),
      .in_last_i    (in_last[l]),
      .res_valid_o  (l_res_valid[l]),
      .res_ready_i  (res_ready && 32'(res_lane) == l),
      .res_o        (l_res[l]),
      .out_valid_o  (l_out_valid[l]),
      .out_ready_i  (l_out_ready[l]),
      .out_data_o   (l_out_data[l]),
      .out_keep_o   (unused_out_keep),
      .out_last_o   (l_out_last[l])
    );
    if (DataW == 128) begin : gen_direct
      assign p_out_valid[l] = l_out_valid[l];
      assign p_out_data[l] = l_out_data[l];
      assign p_out_last[l] = l_out_last[l];
      assign l_out_ready[l] = out_ready && 32'(out_lane) == l;
    end else begin : gen_pack
      // Room for a whole jumbo packet's output (9216 + 56 bytes: 73 words at 1024 bits), so a
      // lane finishes its packet while the back takes another lane's.
      esp_out_pack #(
        .DataW (DataW),
        .Words (128 * 128 / (DataW / 8) >= 2 ? 128 * 128 / (DataW / 8) : 2)
      ) u_esp_out_pack (
        .clk_i,
        .rst_ni,
        .in_valid_i  (l_out_valid[l]),
        .in_ready_o  (l_out_ready[l]),
        .in_data_i   (l_out_data[l]),
        .in_last_i   (l_out_last[l]),
        .out_valid_o (p_out_valid[l]),
        .out_ready_i (out_ready && 32'(out_lane) == l),
        .out_data_o  (p_out_data[l]),
        .out_last_o  (p_out_last[l])
      );
    end
  end

  assign key_ready = &l_key_ready;
  assign key_done = &l_key_done;
  assign job_ready = l_job_ready[job_lane];
  assign in_ready = l_in_ready;
  assign res_lane = lfifo_q[lf_rd_q[JfW-1:0]];
  assign res_valid = l_res_valid[res_lane];
  assign res = l_res[res_lane];
  assign out_lane = ofifo_q[of_rd_q[JfW-1:0]];
  assign out_valid = p_out_valid[out_lane] && of_wr_q != of_rd_q;
  assign out_data = p_out_data[out_lane];
  assign out_last = p_out_last[out_lane];
  assign res_take = res_valid && res_ready;
  assign of_push = res_take && res.out_len != '0;
  assign of_pop = out_valid && out_ready && out_last;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      next_lane_q <= '0;
      lf_wr_q <= '0;
      lf_rd_q <= '0;
      lfifo_q <= '0;
      of_wr_q <= '0;
      of_rd_q <= '0;
      ofifo_q <= '0;
    end else begin
      if (job_valid && job_ready) begin
        next_lane_q <= (32'(job_lane) == Lanes - 1) ? '0 : job_lane + 1'b1;
        lfifo_q[lf_wr_q[JfW-1:0]] <= job_lane;
        lf_wr_q <= lf_wr_q + 1'b1;
      end
      if (res_take) lf_rd_q <= lf_rd_q + 1'b1;
      if (of_push) begin
        ofifo_q[of_wr_q[JfW-1:0]] <= res_lane;
        of_wr_q <= of_wr_q + 1'b1;
      end
      if (of_pop) of_rd_q <= of_rd_q + 1'b1;
    end
  end

  // --------------------------------------------------------------------------- utilization
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      perf_engine_busy_o <= 32'd0;
      perf_lane_busy_o <= 32'd0;
      perf_rd_busy_o <= 32'd0;
      perf_wr_busy_o <= 32'd0;
      perf_pkts_o <= 32'd0;
    end else begin
      perf_engine_busy_o <= perf_engine_busy_o + {31'd0, eng_busy};
      perf_lane_busy_o <= perf_lane_busy_o + {31'd0, lane_busy};
      perf_rd_busy_o <= perf_rd_busy_o + {31'd0, rd_busy};
      perf_wr_busy_o <= perf_wr_busy_o + {31'd0, wr_busy};
      perf_pkts_o <= perf_pkts_o + {31'd0, stat_valid};
    end
  end

  `ASSERT_INIT(LanesLegal_A, Lanes >= 1 && Lanes <= 16)
  `ASSERT(LaneFifoNoOverflow_A, (lf_wr_q - lf_rd_q) <= (JfW + 1)'(JobFifo) &&
                                 (of_wr_q - of_rd_q) <= (JfW + 1)'(JobFifo))

endmodule
