export interface OrderItem {
  sku: string;
  price: number;
  quantity: number;
}

export interface Order {
  id: string;
  customer: string;
  items: OrderItem[];
  discountPercent?: number;
}

/** The price of one line: price times quantity. */
export function lineTotal(item: OrderItem): number {
  return item.price * item.quantity;
}

/** The order's total after its discount, rounded to cents. */
export function orderTotal(order: Order): number {
  const subtotal = order.items.reduce((sum, item) => sum + lineTotal(item), 0);
  const discount = (subtotal * (order.discountPercent ?? 0)) / 100;
  return Math.round((subtotal - discount) * 100) / 100;
}

/** Orders grouped by customer. */
export function byCustomer(orders: Order[]): Map<string, Order[]> {
  const groups = new Map<string, Order[]>();
  for (const order of orders) {
    
  }
  return groups;
}
