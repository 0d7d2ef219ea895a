// csr_regs: the global registers of hw/regmap.toml (0x000..0x1ff): ID, VERSION, CAP_*, CTRL,
// STATUS, IRQ_STATUS / IRQ_MASK / IRQ_COAL with per-queue completion coalescing (count and
// timer), the EVENT FIFO (read pops; LOST on overflow), CYCLES, STAT_STATUS[16] and
// STAT_ENCAP/DECAP_PKTS. Doc: rtl/doc/csr_regs.md.
//
// CSR access: csr_re_i / csr_we_i are one-clock strobes; csr_rdata_o is combinational for
// csr_addr_i and sampled by ipsec_top in the strobe's clock; a read's side effect (EVENT pop,
// CYCLES_HI latch) happens at the end of that clock.
// Interrupt vectors: irq_o[q] = IRQ_STATUS.QUEUE[q] & IRQ_MASK.QUEUE[q]; irq_o[8] events.
module csr_regs
  import ipsec_reg_pkg::*;
#(
  parameter int unsigned Lanes      = 1,
  parameter int unsigned Queues     = 4,
  parameter int unsigned Slots      = 1024,
  parameter int unsigned MaxWindow  = 4096,
  parameter int unsigned EventDepth = 64  // power of two
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              csr_re_i,
  input  logic              csr_we_i,
  input  logic [CSR_AW-1:0] csr_addr_i,
  input  logic [31:0]       csr_wdata_i,
  output logic [31:0]       csr_rdata_o,
  output logic              soft_reset_o,  // one clock, after a CTRL write with SOFT_RESET
  output logic              enable_o,
  input  logic              idle_i,
  // Events (one per clock at most).
  input  logic              ev_push_i,
  input  logic [3:0]        ev_type_i,
  input  logic [15:0]       ev_slot_i,
  // Completion statistics.
  input  logic              stat_valid_i,
  input  logic [3:0]        stat_status_i,
  input  logic              stat_encap_ok_i,
  input  logic              stat_decap_ok_i,
  // Completions written, for coalescing.
  input  logic              cpl_valid_i,
  input  logic [2:0]        cpl_q_i,
  input  logic              cpl_force_i,     // descriptor flag IRQ
  output logic [8:0]        irq_o,
  output logic [63:0]       cycles_o
);
  `include "prim_assert.svh"

  localparam int unsigned EvAw = $clog2(EventDepth);

  logic        enable_q;
  logic        soft_q;
  logic [8:0]  irq_status_q, irq_status_d;
  logic [8:0]  irq_mask_q;
  logic [31:0] irq_coal_q;
  logic [63:0] cycles_q;
  logic [31:0] cycles_hi_q;
  logic [31:0] stat_q [NUM_STATUS];
  logic [31:0] encap_q, decap_q;
  logic [19:0] ev_mem_q [EventDepth];
  logic [EvAw:0] ev_wr_q, ev_rd_q;
  logic        ev_lost_q;
  logic [8:0]  pend_q [Queues];
  logic [23:0] age_q  [Queues];

  logic ev_empty, ev_full;
  assign ev_empty = ev_wr_q == ev_rd_q;
  assign ev_full = (ev_wr_q - ev_rd_q) == (EvAw + 1)'(EventDepth);

  assign soft_reset_o = soft_q;
  assign enable_o = enable_q;
  assign irq_o = irq_status_q & irq_mask_q;
  assign cycles_o = cycles_q;

  logic wr_ctrl, wr_irq_status, wr_irq_mask, wr_irq_coal, rd_event, rd_cycles_lo;
  assign wr_ctrl = csr_we_i && csr_addr_i == CTRL_OFFSET;
  assign wr_irq_status = csr_we_i && csr_addr_i == IRQ_STATUS_OFFSET;
  assign wr_irq_mask = csr_we_i && csr_addr_i == IRQ_MASK_OFFSET;
  assign wr_irq_coal = csr_we_i && csr_addr_i == IRQ_COAL_OFFSET;
  assign rd_event = csr_re_i && csr_addr_i == EVENT_OFFSET;
  assign rd_cycles_lo = csr_re_i && csr_addr_i == CYCLES_LO_OFFSET;

  // ------------------------------------------------------------------------------------ read
  always_comb begin
    csr_rdata_o = 32'd0;
    if (csr_addr_i >= STAT_STATUS_OFFSET &&
        csr_addr_i < STAT_STATUS_OFFSET + CSR_AW'(4 * NUM_STATUS)) begin
      csr_rdata_o = stat_q[csr_addr_i[5:2]];
    end else begin
      unique case (csr_addr_i)
        ID_OFFSET:              csr_rdata_o = DEVICE_ID;
        VERSION_OFFSET:         csr_rdata_o = VERSION;
        CAP_LANES_OFFSET:       csr_rdata_o = Lanes;
        CAP_QUEUES_OFFSET:      csr_rdata_o = Queues;
        CAP_SA_SLOTS_OFFSET:    csr_rdata_o = Slots;
        CAP_MAX_WINDOW_OFFSET:  csr_rdata_o = MaxWindow;
        CTRL_OFFSET:            csr_rdata_o = {31'd0, enable_q};
        STATUS_OFFSET:          csr_rdata_o = {30'd0, idle_i, 1'b1};
        IRQ_STATUS_OFFSET:      csr_rdata_o = {23'd0, irq_status_q};
        IRQ_MASK_OFFSET:        csr_rdata_o = {23'd0, irq_mask_q};
        IRQ_COAL_OFFSET:        csr_rdata_o = irq_coal_q;
        EVENT_OFFSET: begin
          csr_rdata_o[EVENT_LOST_LSB] = ev_lost_q;
          if (!ev_empty) csr_rdata_o[19:0] = ev_mem_q[ev_rd_q[EvAw-1:0]];
        end
        CYCLES_LO_OFFSET:       csr_rdata_o = cycles_q[31:0];
        CYCLES_HI_OFFSET:       csr_rdata_o = cycles_hi_q;
        STAT_ENCAP_PKTS_OFFSET: csr_rdata_o = encap_q;
        STAT_DECAP_PKTS_OFFSET: csr_rdata_o = decap_q;
        default:                csr_rdata_o = 32'd0;
      endcase
    end
  end

  // ---------------------------------------------------------------------- interrupts, events
  logic [7:0] coal_count;
  logic [23:0] coal_timer;
  logic [Queues-1:0] fire;
  assign coal_count = (irq_coal_q[7:0] == 8'd0) ? 8'd1 : irq_coal_q[7:0];
  assign coal_timer = irq_coal_q[31:8];

  logic [8:0] pend_d [Queues];
  logic [23:0] age_d [Queues];
  for (genvar q = 0; q < Queues; q++) begin : gen_coal
    logic hit;
    logic [8:0] p;
    assign hit = cpl_valid_i && 32'(cpl_q_i) == q;
    assign p = pend_q[q] + {8'd0, hit};
    // Raised once COUNT completions are pending (or the descriptor asked for it), or TIMER
    // clocks after the first pending one.
    assign fire[q] = p != 9'd0 &&
                     ((hit && cpl_force_i) || p >= {1'b0, coal_count} ||
                      (coal_timer != 24'd0 && pend_q[q] != 9'd0 && age_q[q] >= coal_timer));
    assign pend_d[q] = fire[q] ? 9'd0 : p;
    assign age_d[q] = (pend_q[q] == 9'd0) ? 24'd1 :
                      (age_q[q] == 24'hff_ffff) ? age_q[q] : age_q[q] + 24'd1;
  end

  always_comb begin
    irq_status_d = irq_status_q;
    if (wr_irq_status) begin
      irq_status_d = irq_status_q & ~csr_wdata_i[8:0];
      if (!ev_empty) irq_status_d[IRQ_STATUS_EVENT_LSB] = 1'b1;
    end
    for (int q = 0; q < Queues; q++) begin
      if (fire[q]) irq_status_d[q] = 1'b1;
    end
    if (ev_push_i) irq_status_d[IRQ_STATUS_EVENT_LSB] = 1'b1;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cycles_q <= 64'd0;
    end else begin
      cycles_q <= cycles_q + 64'd1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      enable_q <= 1'b0;
      soft_q <= 1'b0;
      irq_status_q <= 9'd0;
      irq_mask_q <= 9'd0;
      irq_coal_q <= IRQ_COAL_RESVAL;
      cycles_hi_q <= 32'd0;
      for (int i = 0; i < NUM_STATUS; i++) stat_q[i] <= 32'd0;
      encap_q <= 32'd0;
      decap_q <= 32'd0;
      ev_wr_q <= '0;
      ev_rd_q <= '0;
      ev_lost_q <= 1'b0;
      for (int q = 0; q < Queues; q++) begin
        pend_q[q] <= 9'd0;
        age_q[q] <= 24'd0;
      end
    end else if (wr_ctrl && csr_wdata_i[CTRL_SOFT_RESET_LSB]) begin
      // SOFT_RESET: every register back to its reset value (CYCLES keeps counting).
      enable_q <= 1'b0;
      soft_q <= 1'b1;
      irq_status_q <= 9'd0;
      irq_mask_q <= 9'd0;
      irq_coal_q <= IRQ_COAL_RESVAL;
      for (int i = 0; i < NUM_STATUS; i++) stat_q[i] <= 32'd0;
      encap_q <= 32'd0;
      decap_q <= 32'd0;
      ev_wr_q <= '0;
      ev_rd_q <= '0;
      ev_lost_q <= 1'b0;
      for (int q = 0; q < Queues; q++) begin
        pend_q[q] <= 9'd0;
        age_q[q] <= 24'd0;
      end
    end else begin
      soft_q <= 1'b0;
      if (wr_ctrl) enable_q <= csr_wdata_i[CTRL_ENABLE_LSB];
      if (wr_irq_mask) irq_mask_q <= csr_wdata_i[8:0];
      if (wr_irq_coal) irq_coal_q <= csr_wdata_i;
      if (rd_cycles_lo) cycles_hi_q <= cycles_q[63:32];
      irq_status_q <= irq_status_d;
      for (int q = 0; q < Queues; q++) begin
        pend_q[q] <= pend_d[q];
        age_q[q] <= age_d[q];
      end
      if (stat_valid_i) begin
        stat_q[stat_status_i] <= stat_q[stat_status_i] + 32'd1;
        if (stat_encap_ok_i) encap_q <= encap_q + 32'd1;
        if (stat_decap_ok_i) decap_q <= decap_q + 32'd1;
      end
      // Event FIFO: a read pops the head and clears LOST; a push into a full FIFO sets LOST.
      if (rd_event) begin
        ev_lost_q <= 1'b0;
        if (!ev_empty) ev_rd_q <= ev_rd_q + 1'b1;
      end
      if (ev_push_i) begin
        if (ev_full && !(rd_event && !ev_empty)) begin
          ev_lost_q <= 1'b1;
        end else begin
          ev_mem_q[ev_wr_q[EvAw-1:0]] <= {ev_type_i, ev_slot_i};
          ev_wr_q <= ev_wr_q + 1'b1;
        end
      end
    end
  end

  `ASSERT_INIT(EventDepthPow2_A, EventDepth >= 2 && (EventDepth & (EventDepth - 1)) == 0)
  `ASSERT_INIT(QueuesLegal_A, Queues >= 1 && Queues <= MAX_QUEUES)

endmodule
