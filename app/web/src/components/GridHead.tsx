/** A table head: the first column names the rows, the others are right-aligned numbers. */
export function GridHead({ rows, numbers }: { rows: string; numbers: string[] }) {
  return (
    <thead>
      <tr>
        <th>{rows}</th>
        {numbers.map((n) => (
          <th key={n} className="num">
            {n}
          </th>
        ))}
      </tr>
    </thead>
  );
}
