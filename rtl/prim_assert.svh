// Assertion macros for rtl/: they compile away in synthesis and run under Verilator --assert.
//
//   `ASSERT(Name, prop)      concurrent check at every posedge clk_i, off while rst_ni is low
//   `ASSERT_INIT(Name, prop) elaboration/time-zero check of parameter legality
//
// Shape after lowRISC prim_assert.sv (OpenTitan), reduced to the two macros the esp_ blocks use.
// SYNTHESIS is defined by yosys (tools/rtl_syn.sh passes -DSYNTHESIS too); Verilator defines
// VERILATOR and keeps the checks (they only fire when the model is built with --assert).
`ifndef PRIM_ASSERT_SVH
`define PRIM_ASSERT_SVH

`ifdef SYNTHESIS
`define ASSERT(__name, __prop)
`define ASSERT_INIT(__name, __prop)
`else
`define ASSERT(__name, __prop)                                   \
  __name: assert property (@(posedge clk_i) disable iff (!rst_ni) (__prop)) \
    else $error("[ASSERT FAILED] %m: %s", `"__name`");
`define ASSERT_INIT(__name, __prop)                              \
  initial begin : __name                                         \
    assert (__prop) else $fatal(1, "[ASSERT_INIT FAILED] %m: %s", `"__name`"); \
  end
`endif

`endif  // PRIM_ASSERT_SVH
