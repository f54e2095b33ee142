// An agent of your own, outside the support domain: it watches each customer's orders and flags the
// ones far above that customer's usual amount. Its state (count and running mean per customer) lives
// in a changelogged store like any built-in agent's, so a restart or a second process carries on.
// Referenced from a topology as `agent: ./agents/order-watch.ts#orderWatch`.
import { Type } from "@sinclair/typebox";
import { defineAgent } from "../../../engine/contracts/agent.ts";

const Order = Type.Object({ id: Type.String(), customer: Type.String(), amount: Type.Number({ minimum: 0 }) }, { additionalProperties: true });

export const orderWatch = defineAgent({
  name: "order-watch",
  description: "Flags an order above three times its customer's running mean amount",
  input: Order,
  output: Type.Object({ unusual: Type.Boolean(), mean: Type.Number(), orders: Type.Integer({ minimum: 1 }) }),
  state: Type.Object({ orders: Type.Integer({ minimum: 0 }), mean: Type.Number() }),
  initialState: () => ({ orders: 0, mean: 0 }),
  offline(order, ctx, config: { factor?: number }) {
    const { orders, mean } = ctx.state;
    const unusual = orders >= 3 && order.amount > (config.factor ?? 3) * mean;
    const next = { orders: orders + 1, mean: mean + (order.amount - mean) / (orders + 1) };
    return { output: { unusual, mean: Math.round(next.mean * 100) / 100, orders: next.orders }, state: next };
  },
});
