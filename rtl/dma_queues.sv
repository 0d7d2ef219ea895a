// dma_queues: the queue-pair register blocks (Q_* in hw/regmap.toml) and the ring state of
// every queue: NVMe-style submission and completion rings, doorbells, phase bit, CQ_FULL,
// STOPPED. It picks the next queue to serve (round robin) for the packet engine and moves the
// device-owned indexes (SQ head, CQ tail) when the engine reports a fetch or a completion.
// Ring protocol: rtl/doc/ring_protocol.md; block: rtl/doc/dma_queues.md.
//
// Ownership: the host writes SQ_TAIL (doorbell) and CQ_HEAD; the device owns SQ_HEAD and
// CQ_TAIL. Beside SQ_HEAD (descriptors read) each queue has a requested index (descriptors
// asked for; the fetcher keeps many reads in flight). A queue is served when it is enabled,
// not stopped, requested != SQ_TAIL and the completion ring has room for every descriptor
// requested and not yet released plus one: the device never fetches a descriptor it could not
// complete. Writing Q_CTRL resets the indexes, the phase (1) and STOPPED, and bumps the
// queue's epoch: a packet fetched before the write does not complete into the new ring.
module dma_queues
  import ipsec_reg_pkg::*;
#(
  parameter int unsigned Queues = 4
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  input  logic                      soft_reset_i,
  // CSR access to 0x1000..0x1fff (write: pulse; read: combinational for csr_addr_i).
  input  logic                      csr_we_i,
  input  logic [CSR_AW-1:0]         csr_addr_i,
  input  logic [31:0]               csr_wdata_i,
  output logic [31:0]               csr_rdata_o,
  // Scheduler: the queue to serve next.
  input  logic                      enable_i,         // CTRL.ENABLE and the engine is idle
  output logic                      pick_valid_o,
  output logic [2:0]                pick_q_o,
  output logic [63:0]               pick_desc_addr_o, // SQ base + (next to request) * 32
  output logic [3:0]                pick_epoch_o,
  input  logic                      f_req_i,          // the fetcher requested it
  // Engine reports (ignored when the queue was reset since the fetch: epoch mismatch). The
  // fetcher on f_q_i: a descriptor came back; f_take_o: the queue takes it (same epoch, not
  // stopped, no earlier descriptor read error), else the fetcher discards it. Then
  // fetch_ok_i (SQ_HEAD + 1) or f_stop_i (its read failed).
  input  logic [2:0]                f_q_i,
  input  logic [3:0]                f_epoch_i,
  output logic                      f_take_o,
  input  logic                      fetch_ok_i,
  input  logic                      f_stop_i,
  // The processor on eng_q_i: a failed descriptor read (STOPPED), or done with a fetched
  // packet without a completion (one fewer in flight).
  input  logic [2:0]                eng_q_i,
  input  logic [3:0]                eng_epoch_i,
  input  logic                      stop_i,
  input  logic                      release_i,
  output logic                      eng_live_o,       // the queue still has eng_epoch_i
  // A completion write answered, for a packet of ans_q_i: written (CQ_TAIL + 1) or failed
  // (STOPPED), and one fewer in flight. A queue has at most one completion write in flight, so
  // CQ_TAIL (cpl_addr_o) is the next one's entry.
  input  logic [2:0]                ans_q_i,
  input  logic [3:0]                ans_epoch_i,
  input  logic                      ans_stop_i,
  input  logic                      ans_cpl_done_i,
  input  logic                      ans_release_i,
  output logic                      ans_live_o,       // the queue still has ans_epoch_i
  output logic [31:0]               epochs_o,         // every queue's epoch, 4 bits each
  output logic [63:0]               cpl_addr_o,       // CQ base + CQ_TAIL * 16
  output logic                      cpl_phase_o
);
  `include "prim_assert.svh"

  localparam int unsigned QW = (Queues > 1) ? $clog2(Queues) : 1;

  logic [63:0] sq_base_q [Queues];
  logic [63:0] cq_base_q [Queues];
  logic [31:0] ctrl_q    [Queues];
  logic [11:0] sq_tail_q [Queues];
  logic [11:0] sq_head_q [Queues];
  logic [11:0] sq_req_q  [Queues];  // next descriptor to request (SQ_HEAD <= it <= SQ_TAIL)
  logic [11:0] cq_head_q [Queues];
  logic [11:0] cq_tail_q [Queues];
  logic [3:0]  epoch_q   [Queues];
  logic [11:0] infl_q    [Queues];  // requested, not yet released by the back (requested
                                    // but discarded ones only when the queue stops or resets)
  logic [Queues-1:0] en_q, phase_q, stopped_q;
  logic [Queues-1:0] fblock_q;  // a descriptor read failed: no more fetches (STOPPED follows)
  logic [2:0]  rr_q;

  logic [11:0] mask [Queues];
  logic [Queues-1:0] ready, cq_full;
  for (genvar q = 0; q < Queues; q++) begin : gen_q
    logic [3:0] log2;
    assign log2 = ctrl_q[q][Q_CTRL_SIZE_LOG2_LSB +: 4];
    assign mask[q] = 12'((13'd1 << log2) - 13'd1);
    assign cq_full[q] = en_q[q] && ((cq_tail_q[q] + 12'd1) & mask[q]) == cq_head_q[q];
    // Room in the CQ for every packet in flight plus this one.
    logic [11:0] free;
    assign free = (cq_head_q[q] - cq_tail_q[q] - 12'd1) & mask[q];
    assign ready[q] = en_q[q] && !stopped_q[q] && !fblock_q[q] &&
                      sq_req_q[q] != sq_tail_q[q] && free > infl_q[q];
  end

  // Round robin from rr_q.
  always_comb begin
    pick_valid_o = 1'b0;
    pick_q_o = 3'd0;
    for (int k = Queues - 1; k >= 0; k--) begin
      logic [2:0] q;
      q = 3'((32'(rr_q) + 32'(k)) % Queues);
      if (ready[q[QW-1:0]]) begin
        pick_valid_o = enable_i;
        pick_q_o = q;
      end
    end
  end
  logic          f_live;
  logic [QW-1:0] fq, eq, aq, pq, wqi;
  assign eq = eng_q_i[QW-1:0];
  assign aq = ans_q_i[QW-1:0];
  assign pq = pick_q_o[QW-1:0];
  assign fq = f_q_i[QW-1:0];
  assign f_live = epoch_q[fq] == f_epoch_i;
  assign f_take_o = f_live && 32'(f_q_i) < Queues && !fblock_q[fq] && !stopped_q[fq];
  assign pick_desc_addr_o = sq_base_q[pq] + {47'd0, sq_req_q[pq], 5'd0};
  assign pick_epoch_o = epoch_q[pq];
  assign eng_live_o = epoch_q[eq] == eng_epoch_i;
  assign ans_live_o = epoch_q[aq] == ans_epoch_i;
  for (genvar q = 0; q < 8; q++) begin : gen_epochs
    if (q < Queues) begin : gen_live
      assign epochs_o[4 * q +: 4] = epoch_q[q];
    end else begin : gen_none
      assign epochs_o[4 * q +: 4] = 4'd0;
    end
  end
  assign cpl_addr_o = cq_base_q[eq] + {48'd0, cq_tail_q[eq], 4'd0};
  assign cpl_phase_o = phase_q[eq];

  // CSR read.
  logic [2:0] rq;
  logic [5:0] rreg;
  assign rq = csr_addr_i[8:6];
  assign rreg = csr_addr_i[5:0];
  always_comb begin
    csr_rdata_o = 32'd0;
    if (32'(rq) < Queues && csr_addr_i[CSR_AW-1:9] == QUEUE_BASE[CSR_AW-1:9]) begin
      unique case ({7'd0, rreg})
        Q_SQ_BASE_LO_OFFSET - QUEUE_BASE[CSR_AW-1:0]: csr_rdata_o = sq_base_q[rq[QW-1:0]][31:0];
        Q_SQ_BASE_HI_OFFSET - QUEUE_BASE[CSR_AW-1:0]: csr_rdata_o = sq_base_q[rq[QW-1:0]][63:32];
        Q_CQ_BASE_LO_OFFSET - QUEUE_BASE[CSR_AW-1:0]: csr_rdata_o = cq_base_q[rq[QW-1:0]][31:0];
        Q_CQ_BASE_HI_OFFSET - QUEUE_BASE[CSR_AW-1:0]: csr_rdata_o = cq_base_q[rq[QW-1:0]][63:32];
        Q_CTRL_OFFSET - QUEUE_BASE[CSR_AW-1:0]:       csr_rdata_o = ctrl_q[rq[QW-1:0]];
        Q_SQ_TAIL_OFFSET - QUEUE_BASE[CSR_AW-1:0]:    csr_rdata_o = {20'd0, sq_tail_q[rq[QW-1:0]]};
        Q_SQ_HEAD_OFFSET - QUEUE_BASE[CSR_AW-1:0]:    csr_rdata_o = {20'd0, sq_head_q[rq[QW-1:0]]};
        Q_CQ_HEAD_OFFSET - QUEUE_BASE[CSR_AW-1:0]:    csr_rdata_o = {20'd0, cq_head_q[rq[QW-1:0]]};
        Q_CQ_TAIL_OFFSET - QUEUE_BASE[CSR_AW-1:0]:    csr_rdata_o = {20'd0, cq_tail_q[rq[QW-1:0]]};
        Q_STATUS_OFFSET - QUEUE_BASE[CSR_AW-1:0]: begin
          csr_rdata_o[Q_STATUS_STOPPED_LSB] = stopped_q[rq[QW-1:0]];
          csr_rdata_o[Q_STATUS_CQ_FULL_LSB] = cq_full[rq[QW-1:0]];
        end
        default: csr_rdata_o = 32'd0;
      endcase
    end
  end

  logic [2:0] wq;
  logic [CSR_AW-1:0] wreg;
  logic wsel;
  assign wq = csr_addr_i[8:6];
  assign wreg = {7'd0, csr_addr_i[5:0]} + QUEUE_BASE[CSR_AW-1:0];
  assign wqi = wq[QW-1:0];
  assign wsel = csr_we_i && 32'(wq) < Queues && csr_addr_i[CSR_AW-1:9] == QUEUE_BASE[CSR_AW-1:9];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int q = 0; q < Queues; q++) begin
        sq_base_q[q] <= 64'd0;
        cq_base_q[q] <= 64'd0;
        ctrl_q[q] <= 32'd0;
        sq_tail_q[q] <= 12'd0;
        sq_head_q[q] <= 12'd0;
        sq_req_q[q] <= 12'd0;
        cq_head_q[q] <= 12'd0;
        cq_tail_q[q] <= 12'd0;
        epoch_q[q] <= 4'd0;
        infl_q[q] <= 12'd0;
      end
      en_q <= '0;
      phase_q <= '1;
      stopped_q <= '0;
      fblock_q <= '0;
      rr_q <= 3'd0;
    end else if (soft_reset_i) begin
      for (int q = 0; q < Queues; q++) begin
        sq_base_q[q] <= 64'd0;
        cq_base_q[q] <= 64'd0;
        ctrl_q[q] <= 32'd0;
        sq_tail_q[q] <= 12'd0;
        sq_head_q[q] <= 12'd0;
        sq_req_q[q] <= 12'd0;
        cq_head_q[q] <= 12'd0;
        cq_tail_q[q] <= 12'd0;
        epoch_q[q] <= epoch_q[q] + 4'd1;
        infl_q[q] <= 12'd0;
      end
      en_q <= '0;
      phase_q <= '1;
      stopped_q <= '0;
      fblock_q <= '0;
    end else begin
      // Engine reports (before CSR writes: a Q_CTRL write in the same clock wins).
      for (int q = 0; q < Queues; q++) begin
        infl_q[q] <= infl_q[q] + {11'd0, pick_valid_o && 32'(pick_q_o) == q && f_req_i} -
                     {11'd0, eng_live_o && 32'(eng_q_i) == q && release_i} -
                     {11'd0, ans_live_o && 32'(ans_q_i) == q && ans_release_i};
      end
      if (pick_valid_o && f_req_i) sq_req_q[pq] <= (sq_req_q[pq] + 12'd1) & mask[pq];
      if (f_live && 32'(f_q_i) < Queues) begin
        if (fetch_ok_i) sq_head_q[fq] <= (sq_head_q[fq] + 12'd1) & mask[fq];
        if (f_stop_i) fblock_q[fq] <= 1'b1;
      end
      // A failed descriptor read stops the queue with SQ_HEAD at that descriptor (= CQ_TAIL).
      if (eng_live_o && 32'(eng_q_i) < Queues && stop_i) stopped_q[eq] <= 1'b1;
      if (ans_live_o && 32'(ans_q_i) < Queues) begin
        if (ans_stop_i) begin
          // A failed completion write: the model stopped right behind that packet, whatever
          // the fetcher took after it (those are dropped without effect).
          stopped_q[aq] <= 1'b1;
          sq_head_q[aq] <= (cq_tail_q[aq] + 12'd1) & mask[aq];
        end
        if (ans_cpl_done_i) begin
          cq_tail_q[aq] <= (cq_tail_q[aq] + 12'd1) & mask[aq];
          if (((cq_tail_q[aq] + 12'd1) & mask[aq]) == 12'd0) begin
            phase_q[aq] <= !phase_q[aq];
          end
        end
      end
      if (pick_valid_o && f_req_i) rr_q <= 3'((32'(pick_q_o) + 1) % Queues);
      if (wsel) begin
        unique case (wreg)
          Q_SQ_BASE_LO_OFFSET: sq_base_q[wqi][31:0] <= csr_wdata_i;
          Q_SQ_BASE_HI_OFFSET: sq_base_q[wqi][63:32] <= csr_wdata_i;
          Q_CQ_BASE_LO_OFFSET: cq_base_q[wqi][31:0] <= csr_wdata_i;
          Q_CQ_BASE_HI_OFFSET: cq_base_q[wqi][63:32] <= csr_wdata_i;
          Q_CTRL_OFFSET: begin
            logic [3:0] l2;
            l2 = csr_wdata_i[Q_CTRL_SIZE_LOG2_LSB +: 4];
            ctrl_q[wqi] <= csr_wdata_i & 32'h0000_0f01;
            // Enabling (again) starts the rings afresh: also how a stopped queue recovers.
            en_q[wqi] <= csr_wdata_i[Q_CTRL_ENABLE_LSB] && l2 >= 4'd1 &&
                        32'(l2) <= MAX_RING_LOG2;
            sq_tail_q[wqi] <= 12'd0;
            sq_head_q[wqi] <= 12'd0;
            sq_req_q[wqi] <= 12'd0;
            cq_head_q[wqi] <= 12'd0;
            cq_tail_q[wqi] <= 12'd0;
            phase_q[wqi] <= 1'b1;
            stopped_q[wqi] <= 1'b0;
            fblock_q[wqi] <= 1'b0;
            epoch_q[wqi] <= epoch_q[wqi] + 4'd1;
            infl_q[wqi] <= 12'd0;
          end
          Q_SQ_TAIL_OFFSET: if (en_q[wqi]) sq_tail_q[wqi] <= csr_wdata_i[11:0] & mask[wqi];
          Q_CQ_HEAD_OFFSET: if (en_q[wqi]) cq_head_q[wqi] <= csr_wdata_i[11:0] & mask[wqi];
          default: ;
        endcase
      end
    end
  end

  `ASSERT_INIT(QueuesLegal_A, Queues >= 1 && Queues <= MAX_QUEUES)

endmodule
